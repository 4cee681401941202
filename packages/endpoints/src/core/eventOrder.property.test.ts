import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { endpointKey, type EndpointSlice, type Endpoints, type Pod, type Service } from '@svcnet/model';
import { applySlices, seededRandom, testPod , writable } from '../../test/fixtures.js';
import { planEndpoints } from './desiredEndpoints.js';
import { reconcileSlices } from './sliceReconciler.js';
import { canonicalJSON } from './semantic.js';

// Property: the objects the reconciler converges to depend only on the final Services and Pods, not
// on the order in which their events arrived. Slice *packing* is history-dependent by design (churn
// is minimised), so slices are compared by content: the set of endpoints per address type and ports.

type Ev = { kind: 'pod'; id: number; stage: number } | { kind: 'svc'; id: number; stage: number } | { kind: 'delpod'; id: number };

const svcOf = (id: number, stage: number): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'ns', name: `s${id}`, ...(stage ? { labels: { v: String(stage) } } : {}) },
  spec: { selector: id % 2 ? { tier: 'a' } : {}, clusterIP: `10.0.0.${id + 1}`, ports: [{ name: 'p', port: 80, targetPort: stage ? 'port0' : 8080 }] },
});
const podOf = (id: number, stage: number): Pod => {
  const p = testPod('ns', id, 1, stage >= 1);
  p.metadata!.labels = { tier: stage === 2 ? 'b' : 'a' };
  if (stage === 3) writable(p.metadata!).deletionTimestamp = '2024-01-01T00:00:00Z';
  return p;
};

function run(events: Ev[], nSvc: number, random: () => number) {
  const services = new Map<number, Service>();
  const pods = new Map<number, Pod>();
  const eps = new Map<string, Endpoints>();
  const slices = new Map<string, EndpointSlice[]>();
  const sync = (svc: Service) => {
    const name = svc.metadata!.name!;
    const plan = planEndpoints(svc, pods.values(), eps.get(name));
    if (plan) eps.set(name, plan.endpoints);
    slices.set(name, applySlices(slices.get(name) ?? [], reconcileSlices(svc, pods.values(), slices.get(name) ?? [], { random, maxEndpointsPerSlice: 3 })));
  };
  for (const e of events) {
    if (e.kind === 'svc') services.set(e.id, svcOf(e.id, e.stage));
    else if (e.kind === 'pod') pods.set(e.id, podOf(e.id, e.stage));
    else pods.delete(e.id);
    // every event syncs the Services it could touch (here: all), as the controller would
    for (const s of services.values()) sync(s);
  }
  const out: Record<string, unknown> = {};
  for (let i = 0; i < nSvc; i++) {
    const name = `s${i}`;
    const content = (slices.get(name) ?? []).flatMap((s) => s.endpoints.map((e) => `${s.addressType}|${canonicalJSON(s.ports)}|${endpointKey(e)}|${canonicalJSON(e)}`)).sort();
    out[name] = { endpoints: canonicalJSON(eps.get(name)?.subsets), labels: eps.get(name)?.metadata?.labels, slices: content };
  }
  return out;
}

describe('event order independence', () => {
  it('any interleaving of the same pod and service histories converges to the same objects', () => {
    const nPods = 7;
    const nSvc = 3;
    const history = fc.record({
      podStages: fc.array(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }), { minLength: nPods, maxLength: nPods }),
      deleted: fc.array(fc.boolean(), { minLength: nPods, maxLength: nPods }),
      svcStages: fc.array(fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 2 }), { minLength: nSvc, maxLength: nSvc }),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(history, fc.integer(), fc.integer(), (h, s1, s2) => {
        // per-object event sequences; their final states are fixed, the interleaving is not
        const streams: Ev[][] = [];
        h.podStages.forEach((stages, id) => {
          const evs: Ev[] = stages.map((stage) => ({ kind: 'pod', id, stage }));
          if (h.deleted[id]) evs.push({ kind: 'delpod', id });
          streams.push(evs);
        });
        h.svcStages.forEach((stages, id) => streams.push(stages.map((stage) => ({ kind: 'svc', id, stage }))));
        const interleave = (seed: number) => {
          const rnd = seededRandom(seed);
          const queues = streams.map((s) => [...s]);
          const out: Ev[] = [];
          while (queues.some((q) => q.length)) {
            const live = queues.filter((q) => q.length);
            out.push(live[Math.floor(rnd() * live.length)]!.shift()!);
          }
          return out;
        };
        const a = run(interleave(s1), nSvc, seededRandom(h.seed));
        const b = run(interleave(s2), nSvc, seededRandom(h.seed + 1));
        const fresh = run(finalState(streams), nSvc, seededRandom(9));
        expect(a).toEqual(b);
        expect(a).toEqual(fresh);
      }),
      { numRuns: 25 },
    );
  });
});

/** The final state applied directly, one event per object. */
function finalState(streams: Ev[][]): Ev[] {
  return streams.map((s) => s[s.length - 1]!);
}
