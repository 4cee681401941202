import fc from 'fast-check';
import type { Service } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { cidrContains } from '../net/index.js';
import { AllocationError, allocateServiceAddresses, serviceAllocations, type ServiceAllocationState } from './index.js';

const state = (over: Partial<ServiceAllocationState> = {}): ServiceAllocationState => ({
  serviceCIDRs: ['10.96.0.0/12'],
  nodePortRange: '30000-32767',
  usedIPs: new Set(),
  usedNodePorts: new Set(),
  ...over,
});

const svc = (spec: Service['spec']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec });

function fail(fn: () => unknown): AllocationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AllocationError) return e;
    throw e;
  }
  throw new Error('expected an AllocationError');
}

describe('allocateServiceAddresses', () => {
  it('gives a ClusterIP Service one address and no node ports, without touching the input', () => {
    const input = svc({ selector: { app: 'web' }, ports: [{ port: 80, targetPort: 9376 }] });
    const copy = structuredClone(input);
    const r = allocateServiceAddresses(input, state(), seededRandom(1));
    expect(input).toEqual(copy);
    expect(r.ips).toHaveLength(1);
    expect(cidrContains('10.96.0.0/12', r.ips[0]!)).toBe(true);
    expect(r.service.spec!.clusterIP).toBe(r.ips[0]);
    expect(r.service.spec!.clusterIPs).toEqual(r.ips);
    expect(r.service.spec!.ipFamilies).toEqual(['IPv4']);
    expect(r.service.spec!.ipFamilyPolicy).toBe('SingleStack');
    expect(r.nodePorts).toEqual([]);
    expect(r.service.spec!.ports![0]!.nodePort).toBeUndefined();
  });

  it('honours a requested clusterIP (kube-dns at 10.96.0.10) and rejects a taken one with the field', () => {
    const r = allocateServiceAddresses(svc({ clusterIP: '10.96.0.10', ports: [{ port: 53, protocol: 'UDP' }] }), state());
    expect(r.ips).toEqual(['10.96.0.10']);
    const e = fail(() => allocateServiceAddresses(svc({ clusterIP: '10.96.0.10' }), state({ usedIPs: new Set(['10.96.0.10']) })));
    expect(e.code).toBe('AlreadyAllocated');
    expect(e.field).toBe('spec.clusterIPs[0]');
    expect(e.message).toBe('spec.clusterIPs[0]: Invalid value: "10.96.0.10": the provided IP (10.96.0.10) is already allocated');
    expect(fail(() => allocateServiceAddresses(svc({ clusterIP: '192.168.0.1' }), state())).code).toBe('NotInRange');
  });

  it('allocates nothing for headless and ExternalName Services', () => {
    const headless = allocateServiceAddresses(svc({ clusterIP: 'None', selector: { app: 'nginx' }, ports: [{ port: 80 }] }), state());
    expect(headless.ips).toEqual([]);
    expect(headless.service.spec!.clusterIPs).toEqual(['None']);
    const ext = allocateServiceAddresses(svc({ type: 'ExternalName', externalName: 'my.database.example.com' }), state());
    expect(ext.ips).toEqual([]);
    expect(ext.service.spec!.clusterIP).toBeUndefined();
  });

  it('gives one node port per port number, shared across TCP and UDP, and keeps requested ones', () => {
    const r = allocateServiceAddresses(
      svc({
        type: 'NodePort',
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
          { name: 'http', port: 80, nodePort: 30080 },
        ],
      }),
      state(),
      seededRandom(5),
    );
    const [a, b, c] = r.service.spec!.ports!;
    expect(a!.nodePort).toBe(b!.nodePort);
    expect(c!.nodePort).toBe(30080);
    expect(new Set(r.nodePorts)).toEqual(new Set([a!.nodePort, 30080]));
    const taken = fail(() => allocateServiceAddresses(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }), state({ usedNodePorts: new Set([30080]) })));
    expect(taken.message).toBe('spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
  });

  it('a later port with the same number takes the nodePort requested by an earlier entry (findRequestedNodePort)', () => {
    const r = allocateServiceAddresses(svc({ type: 'NodePort', ports: [{ name: 'a', port: 53, protocol: 'UDP' }, { name: 'b', port: 53, protocol: 'TCP', nodePort: 30053 }] }), state());
    expect(r.service.spec!.ports!.map((p) => p.nodePort)).toEqual([30053, 30053]);
    expect(r.nodePorts).toEqual([30053]);
  });

  it('LoadBalancer: node ports unless allocateLoadBalancerNodePorts is false; health check port for Local', () => {
    const lb = allocateServiceAddresses(svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }), state(), seededRandom(2));
    expect(lb.service.spec!.ports![0]!.nodePort).toBeGreaterThanOrEqual(30000);
    expect(lb.service.spec!.healthCheckNodePort).toBeGreaterThanOrEqual(30000);
    expect(lb.nodePorts).toHaveLength(2);
    expect(new Set(lb.nodePorts).size).toBe(2);
    const noPorts = allocateServiceAddresses(svc({ type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 80 }, { port: 81, nodePort: 30081 }] }), state());
    expect(noPorts.service.spec!.ports!.map((p) => p.nodePort)).toEqual([undefined, 30081]);
    const cluster = allocateServiceAddresses(svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', ports: [{ port: 80 }] }), state());
    expect(cluster.service.spec!.healthCheckNodePort).toBeUndefined();
  });

  it('dual stack: one address per family; RequireDualStack fails on a single-stack cluster', () => {
    const dual = state({ serviceCIDRs: ['10.96.0.0/12', 'fd00:10:96::/108'] });
    const r = allocateServiceAddresses(svc({ ipFamilyPolicy: 'PreferDualStack', ports: [{ port: 80 }] }), dual, seededRandom(9));
    expect(r.service.spec!.ipFamilies).toEqual(['IPv4', 'IPv6']);
    expect(cidrContains('10.96.0.0/12', r.ips[0]!)).toBe(true);
    expect(cidrContains('fd00:10:96::/108', r.ips[1]!)).toBe(true);
    const v6first = allocateServiceAddresses(svc({ ipFamilies: ['IPv6'], ports: [{ port: 80 }] }), dual, seededRandom(9));
    expect(v6first.ips).toHaveLength(1);
    expect(cidrContains('fd00:10:96::/108', v6first.ips[0]!)).toBe(true);
    const single = allocateServiceAddresses(svc({ ipFamilyPolicy: 'PreferDualStack', ports: [{ port: 80 }] }), state());
    expect(single.ips).toHaveLength(1);
    expect(fail(() => allocateServiceAddresses(svc({ ipFamilyPolicy: 'RequireDualStack' }), state())).code).toBe('FamilyNotConfigured');
    expect(fail(() => allocateServiceAddresses(svc({ ipFamilies: ['IPv6'] }), state())).code).toBe('FamilyNotConfigured');
  });

  it('a selectorless headless Service takes the cluster\'s families, even with RequireDualStack on a single-stack cluster', () => {
    const s = svc({ clusterIP: 'None', ipFamilyPolicy: 'RequireDualStack', ports: [{ port: 2379 }] });
    expect(allocateServiceAddresses(s, state()).service.spec!.ipFamilies).toEqual(['IPv4']);
    expect(allocateServiceAddresses(s, state({ serviceCIDRs: ['fd00::/108', '10.96.0.0/12'] })).service.spec!.ipFamilies).toEqual(['IPv6', 'IPv4']);
    expect(fail(() => allocateServiceAddresses(svc({ clusterIP: 'None', selector: { a: 'b' }, ipFamilyPolicy: 'RequireDualStack' }), state())).code).toBe('FamilyNotConfigured');
  });

  it('serviceAllocations lists what a delete releases', () => {
    const r = allocateServiceAddresses(svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ name: 'a', port: 53, protocol: 'UDP' }, { name: 'b', port: 53 }] }), state(), seededRandom(4));
    const held = serviceAllocations(r.service);
    expect(held.ips).toEqual(r.ips);
    expect(new Set(held.nodePorts)).toEqual(new Set(r.nodePorts));
    expect(serviceAllocations(svc({ clusterIP: 'None' }))).toEqual({ ips: [], nodePorts: [] });
  });

  it('property: a sequence of creates never double-allocates an address or a port', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.array(fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'), { minLength: 1, maxLength: 60 }), (seed, types) => {
        const random = seededRandom(seed);
        const usedIPs = new Set<string>();
        const usedNodePorts = new Set<number>();
        for (const type of types) {
          const s = svc({ type, externalName: type === 'ExternalName' ? 'x.example.com' : undefined, externalTrafficPolicy: type === 'LoadBalancer' ? 'Local' : undefined, ports: [{ name: 'a', port: 80 }, { name: 'b', port: 443 }] });
          const r = allocateServiceAddresses(s, { serviceCIDRs: ['10.0.0.0/24'], nodePortRange: '30000-30999', usedIPs, usedNodePorts }, random);
          for (const ip of r.ips) {
            expect(usedIPs.has(ip)).toBe(false);
            usedIPs.add(ip);
          }
          for (const p of r.nodePorts) {
            expect(usedNodePorts.has(p)).toBe(false);
            usedNodePorts.add(p);
          }
          expect(serviceAllocations(r.service).ips).toEqual(r.ips);
        }
        // 10.0.0.1 and 10.0.0.10 stay free while the dynamic band has room (/24: 16 static addresses).
        expect(usedIPs.has('10.0.0.1') || usedIPs.has('10.0.0.10')).toBe(false);
      }),
      { numRuns: 40 },
    );
  });
});
