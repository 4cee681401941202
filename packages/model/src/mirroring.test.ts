import { describe, expect, it } from 'vitest';
import { mirroredSlices, reconcileMirroredSlices, shouldMirror } from './mirroring.js';
import type { EndpointSlice, Endpoints, Service } from './objects.js';
import { seededRandom } from './random.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME, LABEL_SKIP_MIRROR, MIRRORING_CONTROLLER_NAME } from './wellKnown.js';

// Fixtures as @svcnet/endpoints' test/fixtures.ts has them (this test moved here with mirroring.ts).
function service(namespace: string, name: string, spec: Service['spec']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name }, spec };
}

function endpoints(namespace: string, name: string, subsets: Endpoints['subsets'], meta: Partial<NonNullable<Endpoints['metadata']>> = {}): Endpoints {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { namespace, name, resourceVersion: '1', ...meta }, ...(subsets ? { subsets } : {}) };
}

/** Applies a change set to a list of slices, as the store would. */
function applySlices(existing: readonly EndpointSlice[], changes: { create: EndpointSlice[]; update: EndpointSlice[]; delete: EndpointSlice[] }): EndpointSlice[] {
  const byName = new Map(existing.map((s) => [s.metadata!.name!, s]));
  for (const s of changes.delete) byName.delete(s.metadata!.name!);
  for (const s of [...changes.update, ...changes.create]) byName.set(s.metadata!.name!, structuredClone(s));
  return [...byName.values()];
}


// After pkg/controller/endpointslicemirroring/reconciler_test.go.
const opts = { random: seededRandom(3) };
const ports = [{ name: 'http', port: 80, protocol: 'TCP' }];

describe('shouldMirror', () => {
  const selectorless = service('ns', 'ext', { ports: [{ port: 80 }] });
  it.each([
    ['selectorless Service with Endpoints', selectorless, endpoints('ns', 'ext', []), true],
    ['Service with a selector', service('ns', 'ext', { selector: { a: 'b' } }), endpoints('ns', 'ext', []), false],
    ['no Service', undefined, endpoints('ns', 'ext', []), false],
    ['no Endpoints', selectorless, undefined, false],
    ['skip-mirror label', selectorless, endpoints('ns', 'ext', [], { labels: { [LABEL_SKIP_MIRROR]: 'true' } }), false],
    ['leader-election annotation', selectorless, endpoints('ns', 'ext', [], { annotations: { 'control-plane.alpha.kubernetes.io/leader': '{}' } }), false],
  ] as const)('%s', (_n, svc, eps, want) => expect(shouldMirror(svc, eps)).toBe(want));
});

describe('reconcileMirroredSlices', () => {
  it('Endpoints with no subsets: no slices', () => {
    expect(reconcileMirroredSlices(endpoints('ns', 'ext', undefined), [], opts)).toMatchObject({ create: [], update: [], delete: [] });
  });

  it('one subset with ready and not-ready addresses, IPv4 and IPv6, an invalid IP skipped', () => {
    const eps = endpoints('ns', 'ext', [
      { addresses: [{ ip: '10.0.0.1', hostname: 'a', nodeName: 'n1' }, { ip: 'not-an-ip' }, { ip: 'fd00::1' }], notReadyAddresses: [{ ip: '10.0.0.2' }], ports },
    ], { labels: { app: 'db' }, annotations: { note: 'x', 'endpoints.kubernetes.io/last-change-trigger-time': 't' } });
    const r = reconcileMirroredSlices(eps, [], opts);
    expect(r.skipped).toBe(1);
    expect(r.create.map((s) => s.addressType).sort()).toEqual(['IPv4', 'IPv6']);
    const v4 = r.create.find((s) => s.addressType === 'IPv4')!;
    expect(v4.metadata?.labels).toEqual({ app: 'db', [LABEL_SERVICE_NAME]: 'ext', [LABEL_MANAGED_BY]: MIRRORING_CONTROLLER_NAME });
    expect(v4.metadata?.annotations).toEqual({ note: 'x' });
    expect(v4.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Endpoints', name: 'ext' });
    expect(v4.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP' }]);
    expect(v4.endpoints).toEqual([
      { addresses: ['10.0.0.1'], conditions: { ready: true }, nodeName: 'n1', hostname: 'a' },
      { addresses: ['10.0.0.2'], conditions: { ready: false } },
    ]);
    // mirroring the same Endpoints again changes nothing
    expect(reconcileMirroredSlices(eps, r.create, opts)).toMatchObject({ create: [], update: [], delete: [] });
  });

  it('subsets with different ports get their own slices; a removed subset is recycled by name', () => {
    const two = endpoints('ns', 'ext', [
      { addresses: [{ ip: '10.0.0.1' }], ports },
      { addresses: [{ ip: '10.0.0.2' }], ports: [{ name: 'db', port: 5432, protocol: 'TCP' }] },
    ]);
    const first = reconcileMirroredSlices(two, [], opts);
    expect(first.create).toHaveLength(2);
    const one = endpoints('ns', 'ext', [{ addresses: [{ ip: '10.0.0.9' }], ports: [{ name: 'x', port: 1, protocol: 'UDP' }] }]);
    const r = reconcileMirroredSlices(one, first.create, opts);
    expect(r.create).toHaveLength(0);
    expect(r.update).toHaveLength(1);
    expect(r.delete).toHaveLength(1);
    expect(applySlices(first.create, r).map((s) => s.endpoints[0]!.addresses[0])).toEqual(['10.0.0.9']);
  });

  it('caps addresses per subset at maxEndpointsPerSubset', () => {
    const eps = endpoints('ns', 'ext', [{ addresses: Array.from({ length: 5 }, (_, i) => ({ ip: `10.0.0.${i + 1}` })), ports }]);
    const r = reconcileMirroredSlices(eps, [], { ...opts, maxEndpointsPerSubset: 3 });
    expect(r.create[0]!.endpoints).toHaveLength(3);
    expect(r.skipped).toBe(2);
  });

  it('a label change on the Endpoints updates the slice', () => {
    const eps = endpoints('ns', 'ext', [{ addresses: [{ ip: '10.0.0.1' }], ports }]);
    const first = reconcileMirroredSlices(eps, [], opts).create;
    const relabelled = { ...eps, metadata: { ...eps.metadata, labels: { v: '2' } } };
    expect(reconcileMirroredSlices(relabelled, first, opts).update).toHaveLength(1);
  });
});

describe('mirroredSlices', () => {
  it('is what reconcileMirroredSlices creates, with reproducible names', () => {
    const eps = endpoints('ns', 'ext', [
      { addresses: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }], notReadyAddresses: [{ ip: '10.0.0.2' }], ports },
      { addresses: [{ ip: '10.0.0.3' }], ports: [{ name: 'db', port: 5432, protocol: 'TCP' }] },
    ]);
    const slices = mirroredSlices(eps);
    const created = reconcileMirroredSlices(eps, [], opts).create;
    const unnamed = (list: EndpointSlice[]) => list.map((s) => ({ ...s, metadata: { ...s.metadata, name: '' } }));
    expect(unnamed(slices)).toEqual(unnamed(created));
    expect(slices.map((s) => s.metadata?.name)).toEqual(['ext-mirror-0', 'ext-mirror-1', 'ext-mirror-2']);
    expect(mirroredSlices(eps)).toEqual(slices);
  });
});
