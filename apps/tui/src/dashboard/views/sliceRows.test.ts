import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { EndpointSlice } from '@svcnet/model';
import { ManualClock, MemoryStore } from '@svcnet/store';
import { settled } from '../../../test/support/settled.js';
import { ClusterModel, type Snapshot } from '../clusterModel.js';
import type { ServiceRowsBuilder } from './sliceRows.js';
import { endpointRows, endpointsView } from './endpointsView.js';
import { sliceRowsOf, sliceView } from './sliceView.js';
import { cellsAt, type Row, type TableView } from './tableView.js';

const stops: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

// Names whose keys sort differently with and without the `/` that follows them in a row key
// ('-' and '.' sort before '/', '0' after it), in two namespaces.
const NAMES = ['web', 'web-a', 'web.b', 'web0'] as const;
const NAMESPACES = ['a', 'b'] as const;
const SERVICES = NAMES.length * NAMESPACES.length;
const svcOf = (i: number) => ({ name: NAMES[i % NAMES.length]!, namespace: NAMESPACES[Math.floor(i / NAMES.length)]! });

/** Slice 0 of a Service is `NAME-abcde`, slice 1 `x-NAME` (a name that sorts apart from its Service). */
const slice = (i: number, which: number, ready: readonly boolean[]): EndpointSlice & { kind: 'EndpointSlice' } => {
  const { name, namespace } = svcOf(i);
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: which ? `x-${name}` : `${name}-abcde`, namespace, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: ready.map((r, e) => ({ addresses: [`10.244.${i}.${which * 10 + e + 1}`], conditions: { ready: r }, nodeName: `node-${e}` })),
  };
};

async function cluster() {
  const store = new MemoryStore();
  const model = new ClusterModel(store, { source: 'test', clock: new ManualClock(1_000_000) });
  model.start();
  await model.waitForSync();
  stops.push(() => store.close(), () => model.stop());
  return { store, model };
}

/** A row as the table shows it. */
const shown = (view: TableView, s: Snapshot) => (r: Row) => ({ key: r.key, cells: cellsAt(view, r, s.at), fault: r.fault, changedAt: r.changedAt, serviceKey: r.serviceKey });

/** What the view showed before rows were kept across snapshots: every Service's rows built again and sorted by key. */
function fromNothing(view: TableView, build: ServiceRowsBuilder, s: Snapshot, namespace: string | undefined): ReturnType<ReturnType<typeof shown>>[] {
  const rows: Row[] = [];
  for (const [svcKey, slices] of s.slicesByService) if (namespace === undefined || svcKey.startsWith(`${namespace}/`)) rows.push(...build(svcKey, slices, s));
  return rows.sort((a, b) => (a.key < b.key ? -1 : 1)).map(shown(view, s));
}

describe.each([
  { view: endpointsView, build: endpointRows },
  { view: sliceView, build: sliceRowsOf },
])('the :$view.id rows', ({ view, build }) => {
  it('kept across refreshes show what building them from nothing shows, sorted by key, through readiness flips, endpoints and slices coming and going, in any scope', async () => {
    // Steps of slice writes (Service, which slice, readiness of its endpoints or a delete), each
    // followed by a refresh, sometimes with a namespace scope.
    const write = fc.tuple(fc.nat(SERVICES - 1), fc.nat(1), fc.option(fc.array(fc.boolean(), { maxLength: 3 }), { nil: undefined, freq: 5 }));
    const step = fc.record({ writes: fc.array(write, { maxLength: 4 }), namespace: fc.constantFrom(undefined, undefined, 'a') });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        const { store, model } = await cluster();
        for (const { writes, namespace } of steps) {
          for (const [i, which, ready] of writes) {
            if (ready) await store.apply(slice(i, which, ready), { trusted: true });
            else await store.delete('EndpointSlice', svcOf(i).namespace, slice(i, which, []).metadata!.name!).catch(() => undefined);
          }
          const s = await settled(model, store);
          expect(view.rows(s, { namespace }).map(shown(view, s))).toEqual(fromNothing(view, build, s, namespace));
        }
        while (stops.length) await stops.pop()!();
      }),
      { numRuns: 30 },
    );
  });

  it('replaces the rows of a Service whose readiness flipped where they stand, and keeps the other rows', async () => {
    const { store, model } = await cluster();
    for (let i = 0; i < SERVICES; i++) await store.apply(slice(i, 0, [true, true]), { trusted: true });
    const before = view.rows(await settled(model, store), {});
    await store.apply(slice(2, 0, [true, false]), { trusted: true });
    const after = view.rows(await settled(model, store), {});
    expect(after).not.toBe(before);
    const changed = after.map((r, i) => (r === before[i] ? '' : r.key)).filter(Boolean);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((k) => after.find((r) => r.key === k)!.serviceKey === 'a/web.b')).toBe(true);
  });
});
