import { LABEL_SERVICE_NAME, type EndpointSlice, type Service } from '@svcnet/model';
import type { NetNs } from '@svcnet/testkit';
import { afterEach } from 'vitest';

/** A Service like upstream's makeTestService: namespace/name plus a mutator. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type TestService = Mutable<Service> & { spec: Mutable<NonNullable<Service['spec']>> };

export function makeService(namespace: string, name: string, mutate: (svc: TestService) => void): Service {
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name, annotations: {} }, spec: {}, status: {} } as TestService;
  mutate(svc);
  return svc;
}

/** An EndpointSlice like upstream's makeTestEndpointSlice(ns, name, n, mutate). */
export function makeSlice(namespace: string, service: string, n: number, mutate: (eps: EndpointSlice) => void): EndpointSlice {
  const eps: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace, name: `${service}-${n}`, labels: { [LABEL_SERVICE_NAME]: service }, annotations: {} },
    addressType: 'IPv4',
    endpoints: [],
    ports: [],
  };
  mutate(eps);
  return eps;
}

/** The three hostnames Pods of the seed example (10.244.1.7, 10.244.2.3, 10.244.3.6 :9376). */
export function hostnamesExample(clusterIP = '10.0.1.175'): { service: Service; slice: EndpointSlice } {
  const service = makeService('default', 'hostnames', (s) => {
    s.spec.selector = { app: 'hostnames' };
    s.spec.clusterIP = clusterIP;
    s.spec.ports = [{ name: 'default', protocol: 'TCP', port: 80, targetPort: 9376 }];
  });
  const slice = makeSlice('default', 'hostnames', 1, (e) => {
    e.endpoints = ['10.244.1.7', '10.244.2.3', '10.244.3.6'].map((ip) => ({ addresses: [ip], conditions: { ready: true } }));
    e.ports = [{ name: 'default', port: 9376, protocol: 'TCP' }];
  });
  return { service, slice };
}

/** Upstream NewFakeProxier conventions (pkg/proxy/iptables/proxier_test.go). */
/** default/web: ClusterIP 10.96.0.10, port 80 -> 9376, one ready endpoint 10.244.1.2 (the netns tests' service). */
export function webWithOneEndpoint(): { service: Service; slice: EndpointSlice } {
  const service = makeService('default', 'web', (s) => {
    s.spec.clusterIP = '10.96.0.10';
    s.spec.ports = [{ name: 'http', port: 80, targetPort: 9376, protocol: 'TCP' }];
  });
  const slice = makeSlice('default', 'web', 1, (e) => {
    e.endpoints = [{ addresses: ['10.244.1.2'], conditions: { ready: true } }];
    e.ports = [{ name: 'http', port: 9376, protocol: 'TCP' }];
  });
  return { service, slice };
}

export const TEST_NODE_NAME = 'test-node';
export const TEST_NODE_IP = '192.168.0.2';

/** What a netns test made: after each test the proxier is stopped and the namespace removed. */
export function netnsScope(): { ns: NetNs | undefined; running: { stop(): void } | undefined } {
  const scope: { ns: NetNs | undefined; running: { stop(): void } | undefined } = { ns: undefined, running: undefined };
  afterEach(() => {
    scope.running?.stop();
    scope.ns?.destroy();
    scope.ns = scope.running = undefined;
  });
  return scope;
}
