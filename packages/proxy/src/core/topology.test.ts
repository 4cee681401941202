import { describe, expect, it } from 'vitest';
import type { EndpointInfo, ServicePortInfo } from './types.js';
import { categorizeEndpoints } from './topology.js';

const svc = (over: Partial<ServicePortInfo> = {}): ServicePortInfo => ({
  portName: { namespace: 'ns', name: 's', port: 'p', protocol: 'TCP' },
  nameString: 'ns/s:p',
  serviceKey: 'ns/s',
  clusterIP: '172.30.1.1',
  port: 80,
  protocol: 'TCP',
  nodePort: 0,
  externalIPs: [],
  loadBalancerVIPs: [],
  loadBalancerSourceRanges: [],
  sessionAffinityClientIP: false,
  stickyMaxAgeSeconds: 0,
  healthCheckNodePort: 0,
  externalPolicyLocal: false,
  internalPolicyLocal: false,
  hintsEnabled: false,
  ...over,
});
const ep = (ip: string, over: Partial<EndpointInfo> = {}): EndpointInfo => ({
  ip,
  port: 80,
  endpoint: `${ip}:80`,
  isLocal: false,
  ready: true,
  serving: true,
  terminating: false,
  ...over,
});
const ips = (eps: EndpointInfo[]) => eps.map((e) => e.ip).sort();

// Cases follow upstream pkg/proxy/topology_test.go TestCategorizeEndpoints.
describe('categorizeEndpoints', () => {
  const cases: { name: string; svc: ServicePortInfo; eps: EndpointInfo[]; labels?: Record<string, string>; cluster: string[] | null; local: string[] | null; any: boolean }[] = [
    { name: 'hints disabled, hints annotation == auto', svc: svc(), eps: [ep('10.1.2.3', { zoneHints: ['zone-a'] }), ep('10.1.2.4', { zoneHints: ['zone-b'] })], labels: { 'topology.kubernetes.io/zone': 'zone-a' }, cluster: ['10.1.2.3', '10.1.2.4'], local: null, any: true },
    { name: 'hints, zone-a', svc: svc({ hintsEnabled: true }), eps: [ep('10.1.2.3', { zoneHints: ['zone-a'] }), ep('10.1.2.4', { zoneHints: ['zone-b'] }), ep('10.1.2.5', { zoneHints: ['zone-a'] })], labels: { 'topology.kubernetes.io/zone': 'zone-a' }, cluster: ['10.1.2.3', '10.1.2.5'], local: null, any: true },
    { name: 'hints, node has no zone', svc: svc({ hintsEnabled: true }), eps: [ep('10.1.2.3', { zoneHints: ['zone-a'] }), ep('10.1.2.4', { zoneHints: ['zone-b'] })], cluster: ['10.1.2.3', '10.1.2.4'], local: null, any: true },
    { name: 'hints, one endpoint without hints', svc: svc({ hintsEnabled: true }), eps: [ep('10.1.2.3', { zoneHints: ['zone-a'] }), ep('10.1.2.4')], labels: { 'topology.kubernetes.io/zone': 'zone-a' }, cluster: ['10.1.2.3', '10.1.2.4'], local: null, any: true },
    { name: 'hints, no endpoint for our zone', svc: svc({ hintsEnabled: true }), eps: [ep('10.1.2.3', { zoneHints: ['zone-b'] })], labels: { 'topology.kubernetes.io/zone': 'zone-a' }, cluster: ['10.1.2.3'], local: null, any: true },
    { name: 'internalTrafficPolicy: Local, with local endpoints', svc: svc({ internalPolicyLocal: true }), eps: [ep('10.0.0.0'), ep('10.0.0.1', { isLocal: true })], cluster: null, local: ['10.0.0.1'], any: true },
    { name: 'internalTrafficPolicy: Local, no local endpoints', svc: svc({ internalPolicyLocal: true }), eps: [ep('10.0.0.0'), ep('10.0.0.1')], cluster: null, local: null, any: true },
    { name: 'Cluster policy, only serving+terminating endpoints', svc: svc(), eps: [ep('10.0.0.0', { ready: false, terminating: true }), ep('10.0.0.1', { ready: false, serving: false, terminating: true })], cluster: ['10.0.0.0'], local: null, any: true },
    { name: 'Cluster policy, ready endpoints win over terminating', svc: svc(), eps: [ep('10.0.0.0', { ready: false, terminating: true }), ep('10.0.0.1')], cluster: ['10.0.0.1'], local: null, any: true },
    { name: 'no usable endpoints', svc: svc(), eps: [ep('10.0.0.0', { ready: false, serving: false, terminating: true })], cluster: null, local: null, any: false },
    { name: 'externalTrafficPolicy: Local, local endpoint', svc: svc({ nodePort: 30001, externalPolicyLocal: true }), eps: [ep('10.0.0.0'), ep('10.0.0.1', { isLocal: true })], cluster: ['10.0.0.0', '10.0.0.1'], local: ['10.0.0.1'], any: true },
    { name: 'externalTrafficPolicy: Local, local terminating only', svc: svc({ nodePort: 30001, externalPolicyLocal: true }), eps: [ep('10.0.0.0'), ep('10.0.0.1', { isLocal: true, ready: false, terminating: true })], cluster: ['10.0.0.0'], local: ['10.0.0.1'], any: true },
    { name: 'externalTrafficPolicy: Local and internalTrafficPolicy: Local', svc: svc({ nodePort: 30001, externalPolicyLocal: true, internalPolicyLocal: true }), eps: [ep('10.0.0.0'), ep('10.0.0.1', { isLocal: true })], cluster: null, local: ['10.0.0.1'], any: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = categorizeEndpoints(c.eps, c.svc, c.labels ?? {});
      expect(ips(r.clusterEndpoints)).toEqual(c.cluster ?? []);
      expect(ips(r.localEndpoints)).toEqual(c.local ?? []);
      expect(r.hasAnyEndpoints).toBe(c.any);
      expect(ips(r.allReachableEndpoints)).toEqual([...new Set([...(c.cluster ?? []), ...(c.local ?? [])])].sort());
    });
  }
});
