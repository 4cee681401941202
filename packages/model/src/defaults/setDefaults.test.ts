import { describe, expect, it } from 'vitest';
import type { Endpoints, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { IngressClass } from 'kubernetes-types/networking/v1.js';
import { setDefaults } from './setDefaults.js';

const svc = (spec: Service['spec'], name = 'web'): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });

describe('setDefaults: Service (SetDefaults_Service and the registry)', () => {
  it('fills every default of a minimal ClusterIP Service', () => {
    expect(setDefaults(svc({ selector: { app: 'web' }, ports: [{ port: 80 }] }))).toEqual({
      ...svc({
        selector: { app: 'web' },
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
        sessionAffinity: 'None',
        type: 'ClusterIP',
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      }),
      metadata: { name: 'web', namespace: 'default' },
    });
  });

  it('puts namespaced objects in "default" and leaves an explicit namespace alone', () => {
    expect(setDefaults(svc({ ports: [{ port: 80 }] })).metadata?.namespace).toBe('default');
    const other = svc({ ports: [{ port: 80 }] });
    other.metadata!.namespace = 'prod';
    expect(setDefaults(other).metadata?.namespace).toBe('prod');
  });

  it('does not modify its argument', () => {
    const input = svc({ ports: [{ port: 80 }] });
    const before = structuredClone(input);
    setDefaults(input);
    expect(input).toEqual(before);
  });

  const cases: Array<[string, Service['spec'], (s: NonNullable<Service['spec']>) => void]> = [
    ['protocol TCP', { ports: [{ port: 53 }] }, (s) => expect(s.ports![0]!.protocol).toBe('TCP')],
    ['explicit UDP kept', { ports: [{ port: 53, protocol: 'UDP' }] }, (s) => expect(s.ports![0]!.protocol).toBe('UDP')],
    ['targetPort = port', { ports: [{ port: 8080 }] }, (s) => expect(s.ports![0]!.targetPort).toBe(8080)],
    ['targetPort 0 = port', { ports: [{ port: 8080, targetPort: 0 }] }, (s) => expect(s.ports![0]!.targetPort).toBe(8080)],
    ['named targetPort kept', { ports: [{ port: 80, targetPort: 'http' }] }, (s) => expect(s.ports![0]!.targetPort).toBe('http')],
    ['sessionAffinity None', { ports: [{ port: 80 }] }, (s) => expect(s.sessionAffinity).toBe('None')],
    [
      'ClientIP timeout 10800',
      { ports: [{ port: 80 }], sessionAffinity: 'ClientIP' },
      (s) => expect(s.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } }),
    ],
    [
      'ClientIP explicit timeout kept',
      { ports: [{ port: 80 }], sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } },
      (s) => expect(s.sessionAffinityConfig?.clientIP?.timeoutSeconds).toBe(60),
    ],
    [
      'sessionAffinityConfig dropped for None',
      { ports: [{ port: 80 }], sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } },
      (s) => expect(s.sessionAffinityConfig).toBeUndefined(),
    ],
    ['type ClusterIP', { ports: [{ port: 80 }] }, (s) => expect(s.type).toBe('ClusterIP')],
    ['externalTrafficPolicy Cluster for NodePort', { type: 'NodePort', ports: [{ port: 80 }] }, (s) => expect(s.externalTrafficPolicy).toBe('Cluster')],
    ['externalTrafficPolicy Cluster for LoadBalancer', { type: 'LoadBalancer', ports: [{ port: 80 }] }, (s) => expect(s.externalTrafficPolicy).toBe('Cluster')],
    ['externalTrafficPolicy Cluster for ClusterIP with externalIPs', { externalIPs: ['1.2.3.4'], ports: [{ port: 80 }] }, (s) => expect(s.externalTrafficPolicy).toBe('Cluster')],
    ['no externalTrafficPolicy for ClusterIP', { ports: [{ port: 80 }] }, (s) => expect(s.externalTrafficPolicy).toBeUndefined()],
    ['explicit externalTrafficPolicy Local kept', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }, (s) => expect(s.externalTrafficPolicy).toBe('Local')],
    ['internalTrafficPolicy Cluster', { type: 'NodePort', ports: [{ port: 80 }] }, (s) => expect(s.internalTrafficPolicy).toBe('Cluster')],
    ['no internalTrafficPolicy for ExternalName', { type: 'ExternalName', externalName: 'db.example.com' }, (s) => expect(s.internalTrafficPolicy).toBeUndefined()],
    ['allocateLoadBalancerNodePorts true', { type: 'LoadBalancer', ports: [{ port: 80 }] }, (s) => expect(s.allocateLoadBalancerNodePorts).toBe(true)],
    ['no allocateLoadBalancerNodePorts for NodePort', { type: 'NodePort', ports: [{ port: 80 }] }, (s) => expect(s.allocateLoadBalancerNodePorts).toBeUndefined()],
    ['clusterIPs from clusterIP', { clusterIP: '10.96.0.10', ports: [{ port: 53 }] }, (s) => expect(s.clusterIPs).toEqual(['10.96.0.10'])],
    ['ipFamilies from an IPv6 clusterIP', { clusterIP: 'fd00::10', ports: [{ port: 53 }] }, (s) => expect(s.ipFamilies).toEqual(['IPv6'])],
    [
      'ipFamilies from dual-stack clusterIPs',
      { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', 'fd00::10'], ipFamilyPolicy: 'PreferDualStack', ports: [{ port: 53 }] },
      (s) => expect(s.ipFamilies).toEqual(['IPv4', 'IPv6']),
    ],
    ['ipFamilyPolicy SingleStack', { ports: [{ port: 80 }] }, (s) => expect(s.ipFamilyPolicy).toBe('SingleStack')],
    [
      'headless with selector: SingleStack',
      { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] },
      (s) => (expect(s.clusterIPs).toEqual(['None']), expect(s.ipFamilyPolicy).toBe('SingleStack'), expect(s.ipFamilies).toEqual(['IPv4'])),
    ],
    [
      'headless without selector: RequireDualStack',
      { clusterIP: 'None', ports: [{ port: 5432 }] },
      (s) => (expect(s.ipFamilyPolicy).toBe('RequireDualStack'), expect(s.ipFamilies).toEqual(['IPv4'])),
    ],
    [
      'ExternalName: no families, no policy',
      { type: 'ExternalName', externalName: 'db.example.com', ipFamilyPolicy: 'SingleStack' },
      (s) => (expect(s.ipFamilies).toBeUndefined(), expect(s.ipFamilyPolicy).toBeUndefined()),
    ],
  ];
  it.each(cases)('%s', (_name, spec, check) => check(setDefaults(svc(spec)).spec!));

  it('uses the cluster families it is given', () => {
    const out = setDefaults(svc({ ipFamilyPolicy: 'PreferDualStack', ports: [{ port: 80 }] }), { serviceIPFamilies: ['IPv6', 'IPv4'] });
    expect(out.spec?.ipFamilies).toEqual(['IPv6', 'IPv4']);
  });
});

describe('setDefaults: other kinds', () => {
  it('Endpoints ports default to TCP', () => {
    const ep: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ext' }, subsets: [{ addresses: [{ ip: '10.1.2.3' }], ports: [{ port: 80 }] }] };
    expect(setDefaults(ep).subsets?.[0]?.ports?.[0]?.protocol).toBe('TCP');
  });

  it('EndpointSlice ports default to name "" and TCP', () => {
    const slice = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's' }, addressType: 'IPv4', endpoints: [], ports: [{ port: 80 }] } as EndpointSlice & { kind: string };
    expect(setDefaults(slice).ports).toEqual([{ port: 80, name: '', protocol: 'TCP' }]);
  });

  it('Pod container ports default to TCP; hostNetwork copies containerPort to hostPort; podIPs follow podIP', () => {
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { hostNetwork: true, containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }] },
      status: { podIP: '10.244.1.5' },
    };
    const out = setDefaults(pod);
    expect(out.spec?.containers[0]?.ports?.[0]).toEqual({ containerPort: 8080, protocol: 'TCP', hostPort: 8080 });
    expect(out.status?.podIPs).toEqual([{ ip: '10.244.1.5' }]);
  });

  it('IngressClass parameters default to Cluster scope; IngressClass is not namespaced', () => {
    const ic: IngressClass = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx', parameters: { kind: 'Cfg', name: 'x' } } };
    const out = setDefaults(ic);
    expect(out.spec?.parameters?.scope).toBe('Cluster');
    expect(out.metadata?.namespace).toBeUndefined();
  });

  it('Secret type Opaque; stringData folded into data', () => {
    const s: Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { 'tls.crt': 'CERT' } };
    const out = setDefaults(s);
    expect(out.type).toBe('Opaque');
    expect(out.data).toEqual({ 'tls.crt': Buffer.from('CERT').toString('base64') });
    expect(out.stringData).toBeUndefined();
  });

  it('copies unknown kinds unchanged', () => {
    const obj = { kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: '1' } };
    expect(setDefaults(obj)).toEqual(obj);
  });
});
