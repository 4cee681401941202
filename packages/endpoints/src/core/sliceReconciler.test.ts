import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Pod, Service } from '@svcnet/model';
import { ENDPOINTSLICE_CONTROLLER_NAME, LABEL_HEADLESS, LABEL_MANAGED_BY, LABEL_SERVICE_NAME } from '@svcnet/model';
import { applySlices, ipv4ipv6, makePods, seededRandom, service, testPod , writable } from '../../test/fixtures.js';
import { reconcileSlices, type SliceReconcileOptions } from './sliceReconciler.js';

// After staging/src/k8s.io/endpointslice/reconciler_test.go.
const svcSpec = { selector: { foo: 'bar' }, clusterIP: '10.0.0.10', ipFamilies: ['IPv4'], ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] };
const svc = (spec: Service['spec'] = svcSpec, labels?: Record<string, string>): Service => {
  const s = service('default', 'foo', spec, labels);
  writable(s.metadata!).uid = 'svc-uid';
  return s;
};
const opts = (): SliceReconcileOptions => ({ random: seededRandom(7) });
const pods = (n: number, ready = true) => Array.from({ length: n }, (_, i) => {
  const p = testPod('default', i, 1, ready);
  p.status!.podIPs = [{ ip: `10.0.${i >> 8}.${i & 255}` }];
  p.status!.podIP = p.status!.podIPs[0]!.ip;
  return p;
});
const sizes = (slices: EndpointSlice[]) => slices.map((s) => s.endpoints.length).sort((a, b) => b - a);

describe('reconcileSlices', () => {
  it('no pods: one placeholder slice, then nothing (TestReconcileEmpty)', () => {
    const first = reconcileSlices(svc(), [], [], opts());
    expect(first.create).toHaveLength(1);
    const slice = first.create[0]!;
    expect(slice.metadata?.name).toMatch(/^foo-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(slice.metadata?.labels).toEqual({ [LABEL_SERVICE_NAME]: 'foo', [LABEL_MANAGED_BY]: ENDPOINTSLICE_CONTROLLER_NAME });
    expect(slice.metadata?.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'foo', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
    expect(slice).toMatchObject({ addressType: 'IPv4', ports: [], endpoints: [] });
    expect(reconcileSlices(svc(), [], first.create, opts())).toEqual({ create: [], update: [], delete: [] });
  });

  it('packs 250 endpoints into 100/100/50 and is stable afterwards', () => {
    const r = reconcileSlices(svc(), pods(250), [], opts());
    expect(sizes(r.create)).toEqual([100, 100, 50]);
    expect(r.update).toEqual([]);
    expect(r.create[0]!.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(reconcileSlices(svc(), pods(250), r.create, opts())).toEqual({ create: [], update: [], delete: [] });
  });

  it('honours maxEndpointsPerSlice', () => {
    expect(sizes(reconcileSlices(svc(), pods(10), [], { ...opts(), maxEndpointsPerSlice: 3 }).create)).toEqual([3, 3, 3, 1]);
  });

  it('a readiness flip updates one slice in place', () => {
    const start = reconcileSlices(svc(), pods(250), [], opts()).create;
    const next = pods(250);
    next[17]!.status!.conditions = [{ type: 'Ready', status: 'False' }];
    const r = reconcileSlices(svc(), next, start, opts());
    expect([r.create.length, r.update.length, r.delete.length]).toEqual([0, 1, 0]);
    const ep = r.update[0]!.endpoints.find((e) => e.targetRef?.name === 'pod17')!;
    expect(ep.conditions).toEqual({ ready: false, serving: false, terminating: false });
  });

  it('new endpoints fill a slice being updated before new slices are made (churn)', () => {
    const start = reconcileSlices(svc(), pods(200), [], opts()).create;
    // drop 10 pods from one slice, add 10 new ones
    const victims = new Set(start[0]!.endpoints.slice(0, 10).map((e) => e.targetRef!.name));
    const all = pods(210).filter((p) => !victims.has(p.metadata!.name!));
    const r = reconcileSlices(svc(), all, start, opts());
    expect([r.create.length, r.update.length, r.delete.length]).toEqual([0, 1, 0]);
    expect(sizes(applySlices(start, r))).toEqual([100, 100]);
  });

  it('leftovers go into the unchanged slice that ends closest to full', () => {
    const start = reconcileSlices(svc(), pods(150), [], opts()).create; // 100 + 50
    const r = reconcileSlices(svc(), pods(160), start, opts());
    expect([r.create.length, r.update.length]).toEqual([0, 1]);
    expect(r.update[0]!.endpoints).toHaveLength(60);
  });

  it('an emptied slice is recycled by name rather than deleted and recreated', () => {
    const start = reconcileSlices(svc(), pods(3), [], opts()).create;
    const other = pods(6).slice(3);
    const r = reconcileSlices(svc(), other, start, opts());
    expect(r.create).toEqual([]);
    expect(r.delete).toEqual([]);
    expect(r.update.map((s) => s.metadata?.name)).toEqual([start[0]!.metadata?.name]);
  });

  it('conditions as upstream: terminating, serving, publishNotReadyAddresses', () => {
    const p = pods(3);
    writable(p[1]!.metadata!).deletionTimestamp = '2024-01-01T00:00:00Z';
    writable(p[2]!.metadata!).deletionTimestamp = '2024-01-01T00:00:00Z';
    p[2]!.status!.conditions = [{ type: 'Ready', status: 'False' }];
    const byName = (s: Service) =>
      Object.fromEntries(reconcileSlices(s, p, [], opts()).create[0]!.endpoints.map((e) => [e.targetRef!.name, e.conditions]));
    expect(byName(svc())).toEqual({
      pod0: { ready: true, serving: true, terminating: false },
      pod1: { ready: false, serving: true, terminating: true },
      pod2: { ready: false, serving: false, terminating: true },
    });
    expect(byName(svc({ ...svcSpec, publishNotReadyAddresses: true }))).toEqual({
      pod0: { ready: true, serving: true, terminating: false },
      pod1: { ready: true, serving: true, terminating: true },
      pod2: { ready: true, serving: false, terminating: true },
    });
  });

  it('dual-stack: one slice per address type; headless label; nodeName, zone and hostname', () => {
    const p = makePods('default', 2, 1, 0, ipv4ipv6);
    p[0]!.spec = { ...p[0]!.spec!, nodeName: 'node-a', hostname: 'h0', subdomain: 'foo' };
    const s = svc({ selector: { foo: 'bar' }, clusterIP: 'None', ipFamilies: ['IPv4', 'IPv6'], ports: [{ port: 80, targetPort: 'port0' }] }, { team: 'x' });
    const r = reconcileSlices(s, p, [], { ...opts(), zoneOf: (n) => (n === 'node-a' ? 'zone-1' : undefined) });
    expect(r.create.map((x) => x.addressType).sort()).toEqual(['IPv4', 'IPv6']);
    const v6 = r.create.find((x) => x.addressType === 'IPv6')!;
    expect(v6.metadata?.labels).toEqual({ team: 'x', [LABEL_HEADLESS]: '', [LABEL_SERVICE_NAME]: 'foo', [LABEL_MANAGED_BY]: ENDPOINTSLICE_CONTROLLER_NAME });
    expect(v6.endpoints.find((e) => e.targetRef?.name === 'pod0')).toEqual({
      addresses: ['2000::4'],
      conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace: 'default', name: 'pod0' },
      nodeName: 'node-a',
      zone: 'zone-1',
      hostname: 'h0',
    });
    expect(v6.ports).toEqual([{ name: '', port: 8080, protocol: 'TCP' }]);
  });

  it('slices of an address type the Service dropped, or owned by another Service, are replaced', () => {
    const start = reconcileSlices(svc(), pods(2), [], opts()).create;
    const stale = structuredClone(start[0]!);
    stale.metadata!.ownerReferences![0]!.uid = 'old-uid';
    const r = reconcileSlices(svc(), pods(2), [stale], opts());
    expect(r.delete.map((s) => s.metadata?.name)).toEqual([stale.metadata?.name]);
    expect(r.create).toHaveLength(1);
    const v6only = reconcileSlices(svc({ ...svcSpec, ipFamilies: ['IPv6'], clusterIP: 'fd00::10' }), pods(2), start, opts());
    expect(v6only.delete).toHaveLength(1);
  });

  it('a Service label change updates every slice', () => {
    const start = reconcileSlices(svc(), pods(150), [], opts()).create;
    const r = reconcileSlices(svc(svcSpec, { tier: 'web' }), pods(150), start, opts());
    expect(r.update).toHaveLength(2);
    expect(r.update.every((s) => s.metadata?.labels?.['tier'] === 'web')).toBe(true);
  });

  it('pods whose named port differs land in separate slices by port mapping', () => {
    const p: Pod[] = pods(4);
    p.forEach((x, i) => (x.spec!.containers[0]!.ports = [{ name: 'web', containerPort: i % 2 ? 9000 : 8000 }]));
    const r = reconcileSlices(svc({ ...svcSpec, ports: [{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' }] }), p, [], opts());
    expect(r.create.map((s) => s.ports![0]!.port).sort()).toEqual([8000, 9000]);
  });

  it('ExternalName and selectorless Services get no changes', () => {
    expect(reconcileSlices(svc({ type: 'ExternalName', externalName: 'x.example' }), pods(2), [], opts())).toEqual({ create: [], update: [], delete: [] });
    expect(reconcileSlices(svc({ ports: [{ port: 80 }] }), pods(2), [], opts())).toEqual({ create: [], update: [], delete: [] });
  });
});
