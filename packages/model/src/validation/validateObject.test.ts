import { describe, expect, it } from 'vitest';
import type { Service } from 'kubernetes-types/core/v1.js';
import { InvalidObjectError } from '../fieldErrors.js';
import { admit, validateObject } from './validateObject.js';

const manifest = (spec: Service['spec']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec });

describe('validateObject', () => {
  it('names the supported kinds for an unknown kind', () => {
    expect(validateObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }).map(String)).toEqual([
      'kind: Unsupported value: "ConfigMap": supported values: "EndpointSlice", "Endpoints", "Ingress", "IngressClass", "Node", "Pod", "Secret", "Service"',
    ]);
  });

  it('requires a kind', () => {
    expect(validateObject({ metadata: { name: 'x' } }).map((e) => e.field)).toEqual(['kind']);
  });

  it('rejects what is not an object', () => {
    expect(validateObject([] as never)).toHaveLength(1);
  });
});

describe('admit', () => {
  it('returns the defaulted object and leaves the input alone', () => {
    const input = manifest({ selector: { app: 'web' }, ports: [{ port: 80 }] });
    const before = structuredClone(input);
    const out = admit(input);
    expect(input).toEqual(before);
    expect(out.spec?.ports?.[0]).toEqual({ port: 80, protocol: 'TCP', targetPort: 80 });
    expect(out.metadata?.namespace).toBe('default');
  });

  it('throws InvalidObjectError with every error, worded as the API server', () => {
    const bad = manifest({ ports: [{ name: 'http', port: 80 }, { port: 443, targetPort: 'HTTPS' }] });
    bad.metadata!.name = 'Web';
    let err: unknown;
    try {
      admit(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidObjectError);
    const e = err as InvalidObjectError;
    expect(e.code).toBe('Invalid');
    expect(e.kind).toBe('Service');
    expect(e.objectName).toBe('Web');
    expect(e.errors.map((x) => x.field)).toEqual(['metadata.name', 'spec.ports[1].name', 'spec.ports[1].targetPort', 'spec.ports[1].targetPort']);
    expect(e.message).toMatch(/^Service "Web" is invalid: \[metadata\.name: Invalid value: "Web": a DNS-1035 label/);
    expect(e.message).toContain('spec.ports[1].name: Required value');
  });

  it('re-applying the same manifest keeps the allocated clusterIP, families and node ports', () => {
    const stored = admit(manifest({ type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] }));
    stored.spec!.clusterIP = '10.96.0.50';
    stored.spec!.clusterIPs = ['10.96.0.50'];
    stored.spec!.ports![0]!.nodePort = 30080;
    const again = admit(manifest({ type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] }), stored);
    expect(again.spec?.clusterIP).toBe('10.96.0.50');
    expect(again.spec?.clusterIPs).toEqual(['10.96.0.50']);
    expect(again.spec?.ports?.[0]?.nodePort).toBe(30080);
  });

  it('rejects changing an allocated clusterIP on update', () => {
    const stored = admit(manifest({ clusterIP: '10.96.0.50', ports: [{ port: 80 }] }));
    expect(() => admit(manifest({ clusterIP: '10.96.0.51', ports: [{ port: 80 }] }), stored)).toThrow(
      'spec.clusterIPs[0]: Invalid value: ["10.96.0.51"]: may not change once set',
    );
  });

  it('switching to ExternalName drops the allocated clusterIP and node ports', () => {
    const stored = admit(manifest({ type: 'NodePort', clusterIP: '10.96.0.50', ports: [{ port: 80, nodePort: 30080 }] }));
    const next = structuredClone(stored);
    next.spec!.type = 'ExternalName';
    next.spec!.externalName = 'db.example.com';
    const out = admit(next, stored);
    expect(out.spec?.clusterIP).toBeUndefined();
    expect(out.spec?.clusterIPs).toBeUndefined();
    expect(out.spec?.ports?.[0]?.nodePort).toBeUndefined();
    expect(out.spec?.externalTrafficPolicy).toBeUndefined();
  });

  it('admits each supported kind in its minimal valid form', () => {
    const objs = [
      manifest({ selector: { app: 'web' }, ports: [{ port: 80 }] }),
      { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web' }, subsets: [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ port: 80 }] }] },
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abc' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.244.1.5'] }], ports: [{ port: 80 }] },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1' }, spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ name: 'http', containerPort: 80 }] }] } },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.1.10' }] } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'Qw==', 'tls.key': 'Qw==' } },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'web' },
        spec: { rules: [{ host: 'foo.bar.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
      },
      { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } },
    ];
    for (const o of objs) expect(() => admit(o), o.kind).not.toThrow();
  });
});

describe('admit: the seed documents\' Service examples', () => {
  it('accepts a selectorless Service with its own Endpoints, and an ExternalName Service', () => {
    expect(() => admit(manifest({ ports: [{ protocol: 'TCP', port: 80, targetPort: 9376 }] }))).not.toThrow();
    const ep = { kind: 'Endpoints', apiVersion: 'v1', metadata: { name: 'my-service' }, subsets: [{ addresses: [{ ip: '1.2.3.4' }], ports: [{ port: 9376 }] }] };
    expect(admit(ep).subsets[0]!.ports[0]).toEqual({ port: 9376, protocol: 'TCP' });
    const ext = admit(manifest({ type: 'ExternalName', externalName: 'my.database.example.com' }));
    expect(ext.spec?.clusterIP).toBeUndefined();
    expect(ext.spec?.ipFamilies).toBeUndefined();
  });

  it('accepts a headless Service with a selector', () => {
    const out = admit(manifest({ clusterIP: 'None', selector: { app: 'nginx' }, ports: [{ name: 'web', port: 80 }] }));
    expect(out.spec?.clusterIPs).toEqual(['None']);
  });

  it.each(['127.0.0.1', '169.254.1.1', '224.0.0.5'])('rejects Endpoints at %s, as the seed notes', (ip) => {
    const ep = { kind: 'Endpoints', apiVersion: 'v1', metadata: { name: 'my-service' }, subsets: [{ addresses: [{ ip }], ports: [{ port: 9376 }] }] };
    expect(() => admit(ep)).toThrow(`Endpoints "my-service" is invalid: subsets[0].addresses[0].ip: Invalid value: "${ip}": may not be in the`);
  });
});

describe('admit: wrong JSON types', () => {
  it('reports a string port as a type error instead of crashing', () => {
    const bad = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: '80' }], selector: { app: 'web', replicas: 3 } } };
    expect(() => admit(bad)).toThrow(
      'Service "web" is invalid: [spec.ports[0].port: Invalid value: "80": must be an integer, spec.selector[replicas]: Invalid value: 3: must be a string]',
    );
  });

  it('reports a map where a list belongs', () => {
    const bad = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'x' }, subsets: { addresses: [] } };
    expect(validateObject(bad).map(String)).toEqual(['subsets: Invalid value: {"addresses":[]}: must be a list']);
  });

  // Go decodes a null element into a zero value that validation then refuses (a Service port 0);
  // readers here would dereference the null, so the element is required.
  it.each([
    ['Service', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [null] } }, 'spec.ports[0]: Required value'],
    ['EndpointSlice', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-1' }, addressType: 'IPv4', ports: [{ port: 80 }, null], endpoints: [] }, 'ports[1]: Required value'],
    ['Endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web' }, subsets: [{ addresses: [null] }] }, 'subsets[0].addresses[0]: Required value'],
    ['Ingress', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web' }, spec: { tls: [{ hosts: ['a.test', null] }] } }, 'spec.tls[0].hosts[1]: Required value'],
  ])('refuses a null list element of a %s', (_kind, bad, message) => {
    expect(validateObject(bad).map(String)).toEqual([message]);
    expect(() => admit(bad)).toThrow(message);
  });
});
