import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@svcnet/model';
import { ManualClock, MemoryStore } from '@svcnet/store';
import { settled } from '../../../test/support/settled.js';
import { ClusterModel, type Snapshot } from '../clusterModel.js';
import { servicesView } from './servicesView.js';
import { cellsAt } from './tableView.js';

const stops: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

const NAMESPACES = ['a', 'b'] as const;
const SERVICES = 6;
const svcName = (i: number) => `svc-${i}`;
const nsOf = (i: number) => NAMESPACES[i % NAMESPACES.length]!;

const service = (i: number): Service & { kind: 'Service' } => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: svcName(i), namespace: nsOf(i), creationTimestamp: new Date(1_000_000).toISOString() },
  spec: { selector: { app: svcName(i) }, ports: [{ port: 80, targetPort: 8080 }] },
});

const slice = (i: number, ready: readonly boolean[]): EndpointSlice & { kind: 'EndpointSlice' } => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${svcName(i)}-abcde`, namespace: nsOf(i), labels: { 'kubernetes.io/service-name': svcName(i) } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: ready.map((r, e) => ({ addresses: [`10.244.${i}.${e + 1}`], conditions: { ready: r } })),
});

async function cluster() {
  const clock = new ManualClock(1_000_000);
  const store = new MemoryStore();
  for (let i = 0; i < SERVICES; i++) await store.create(service(i), { trusted: true });
  const model = new ClusterModel(store, { source: 'test', clock });
  model.start();
  await model.waitForSync();
  stops.push(() => store.close(), () => model.stop());
  return { clock, store, model };
}

/** What the :svc view shows, built from nothing (another namespace first, so no earlier rows are reused). */
function freshCells(s: Snapshot, namespace: string | undefined): string[][] {
  servicesView.rows(s, { namespace: '(none)' });
  return servicesView.rows(s, { namespace }).map((r) => cellsAt(servicesView, r, s.at));
}

describe('servicesView', () => {
  it('keeps a row across clock ticks and brings its AGE up to date where it is drawn', async () => {
    const { clock, model } = await cluster();
    const before = model.snapshot();
    const [row] = servicesView.rows(before, {});
    expect(cellsAt(servicesView, row!, before.at)[7]).toBe('0s');
    clock.advance(90_000);
    model.touch(); // the dashboard's once-a-second redraw
    const after = model.snapshot();
    expect(after.version).toBeGreaterThan(before.version);
    // The same row object (nothing about the Service changed): a tick rebuilds no rows.
    expect(servicesView.rows(after, {})[0]).toBe(row);
    expect(cellsAt(servicesView, row!, after.at)[7]).toBe('90s');
  });

  it('a refresh that patches the previous rows shows what a rebuild from nothing shows', async () => {
    // Steps of slice writes (Service index, readiness of its endpoints), each followed by a refresh,
    // sometimes with a namespace scope: patched rows must equal rows built from scratch, every step.
    const step = fc.record({
      writes: fc.array(fc.tuple(fc.nat(SERVICES - 1), fc.array(fc.boolean(), { maxLength: 3 })), { maxLength: 4 }),
      namespace: fc.constantFrom(undefined, 'a'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        const { store, model } = await cluster();
        for (const { writes, namespace } of steps) {
          for (const [i, ready] of writes) await store.apply(slice(i, ready), { trusted: true });
          const s = await settled(model, store);
          const shown = servicesView.rows(s, { namespace }).map((r) => cellsAt(servicesView, r, s.at));
          // The fresh build leaves this step's rows behind (same snapshot and scope): the next step patches them.
          expect(shown).toEqual(freshCells(s, namespace));
        }
        while (stops.length) await stops.pop()!();
      }),
      { numRuns: 25 },
    );
  });
});
