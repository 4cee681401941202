import { ipFamily, LABEL_SERVICE_NAME, type EndpointSlice, type Service } from '@svcnet/model';

/** Test objects in the API's JSON shape. */
export function svc(ns: string, name: string, spec: Service['spec']): Service & { kind: 'Service' } {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec };
}

export interface EpSpec {
  ip: string | string[];
  hostname?: string;
  ready?: boolean;
  pod?: string;
}

export function slice(
  ns: string,
  service: string,
  name: string,
  endpoints: EpSpec[],
  ports: { name?: string; port: number; protocol?: string }[] = [],
): EndpointSlice & { kind: 'EndpointSlice' } {
  const first = endpoints[0] ? [endpoints[0].ip].flat()[0]! : '';
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: ns, name, labels: { [LABEL_SERVICE_NAME]: service } },
    addressType: ipFamily(first) === 'IPv6' ? 'IPv6' : 'IPv4',
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip].flat(),
      ...(e.hostname ? { hostname: e.hostname } : {}),
      ...(e.pod ? { targetRef: { kind: 'Pod', namespace: ns, name: e.pod } } : {}),
      conditions: { ready: e.ready ?? true },
    })),
    ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
  };
}

const http = [{ name: 'http', port: 80, protocol: 'TCP' }];

/** The objects behind CoreDNS's plugin/kubernetes handler_test.go (svcIndex and epsIndex). */
export function coreDnsHandlerFixture(): { services: Service[]; endpointSlices: EndpointSlice[] } {
  return {
    services: [
      svc('kube-system', 'kubedns', { clusterIP: '10.0.0.10', clusterIPs: ['10.0.0.10'], ports: [{ name: 'dns', protocol: 'UDP', port: 53 }] }),
      svc('testns', 'svc1', { clusterIPs: ['10.0.0.1'], ports: http }),
      svc('testns', 'svcempty', { clusterIPs: ['10.0.0.1'], ports: http }),
      svc('testns', 'svc6', { clusterIPs: ['1234:abcd::1'], ports: http }),
      svc('testns', 'hdls1', { clusterIP: 'None', clusterIPs: ['None'] }),
      svc('testns', 'external', { type: 'ExternalName', externalName: 'ext.interwebs.test', ports: http }),
      svc('testns', 'external-to-service', { type: 'ExternalName', externalName: 'svc1.testns.svc.cluster.local.', ports: http }),
      svc('testns', 'hdlsprtls', { clusterIP: 'None', clusterIPs: ['None'] }),
      svc('unexposedns', 'svc1', { clusterIPs: ['10.0.0.2'], ports: http }),
      svc('testns', 'svc-dual-stack', { clusterIPs: ['10.0.0.3', '10::3'], ports: http }),
    ],
    endpointSlices: [
      slice('kube-system', 'kubedns', 'kubedns-x', [{ ip: '172.0.0.100' }], [{ name: 'dns', port: 53, protocol: 'UDP' }]),
      slice('testns', 'svc1', 'svc1-slice1', [{ ip: '172.0.0.1', hostname: 'ep1a' }], http),
      slice('testns', 'svcempty', 'svcempty-slice1', [], http),
      // One address family per slice, as the API requires; CoreDNS's fixture has both in one subset.
      slice('testns', 'hdls1', 'hdls1-slice1', [
        { ip: '172.0.0.2' },
        { ip: '172.0.0.3' },
        { ip: '172.0.0.4', hostname: 'dup-name' },
        { ip: '172.0.0.5', hostname: 'dup-name' },
      ], http),
      slice('testns', 'hdls1', 'hdls1-slice2', [{ ip: '5678:abcd::1' }, { ip: '5678:abcd::2' }], http),
      slice('testns', 'hdlsprtls', 'hdlsprtls-slice1', [{ ip: '172.0.0.20' }]),
    ],
  };
}

/**
 * The seed documents' examples: a StatefulSet `web` behind the headless Service `nginx` (two ready
 * pods, so `nginx.default` has two A records and `web-0.nginx.default` resolves), an ExternalName
 * Service, and a headless Service with 100 endpoints (too big for a 512-byte UDP answer).
 */
export function seedFixture(): { services: Service[]; endpointSlices: EndpointSlice[] } {
  const big = Array.from({ length: 100 }, (_, i) => ({ ip: `10.1.0.${i + 1}` }));
  return {
    services: [
      svc('default', 'nginx', { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'web', port: 80, protocol: 'TCP' }], selector: { app: 'nginx' } }),
      svc('default', 'my-service', { type: 'ExternalName', externalName: 'my.database.example.com' }),
      svc('default', 'baidu', { type: 'ExternalName', externalName: 'www.baidu.com' }),
      svc('default', 'hostname', { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
      svc('testns', 'big', { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'http', port: 80 }] }),
      svc('testns', 'notready', { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'http', port: 80 }] }),
    ],
    endpointSlices: [
      slice('default', 'nginx', 'nginx-abcde', [
        { ip: '172.26.1.5', hostname: 'web-0', pod: 'web-0' },
        { ip: '172.26.2.5', hostname: 'web-1', pod: 'web-1' },
        { ip: '172.26.3.5', hostname: 'web-2', pod: 'web-2', ready: false },
      ], [{ name: 'web', port: 80 }]),
      slice('default', 'hostname', 'hostname-abcde', [{ ip: '172.26.1.9' }], [{ name: 'http', port: 9376 }]),
      slice('testns', 'big', 'big-1', big, [{ name: 'http', port: 80 }]),
      slice('testns', 'notready', 'notready-1', [{ ip: '10.2.0.1', ready: false }], [{ name: 'http', port: 80 }]),
    ],
  };
}
