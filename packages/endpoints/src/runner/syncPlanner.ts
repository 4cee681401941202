import { InvalidObjectError, type EndpointSlice, type Endpoints, ENDPOINTSLICE_CONTROLLER_NAME, MIRRORING_CONTROLLER_NAME, reconcileMirroredSlices, shouldMirror } from '@svcnet/model';
import { isStoreError, type BatchOp, type BatchResult } from '@svcnet/store';
import { planEndpoints } from '../core/desiredEndpoints.js';
import { isReconciledService } from '../core/podRules.js';
import { reconcileSlices, type SliceChanges } from '../core/sliceReconciler.js';
import type { TriggerTimeTracker } from '../core/triggerTimeTracker.js';
import type { SelectorIndex } from '../view/selectorIndex.js';
import type { ObjectMirror } from './objectMirror.js';

/** The controller's write counters, which a plan's outcomes update. */
export interface WriteTally {
  writes: { create: number; update: number; delete: number };
  refused: number;
  errors: number;
  /** Epoch ms of the last write the store acknowledged (0: none yet). */
  lastWriteAt: number;
}

/** What one Service's sync writes: its ops, and what each op's outcome does to the mirror. */
export interface SyncPlan {
  key: string;
  ops: BatchOp[];
  /** Same length as `ops`. */
  onResult: ((r: BatchResult) => void)[];
}

/**
 * How a plan's writes went: done (every op written, refused or already gone), a lost race (re-read
 * and plan again), or an error for the work queue's retry (Fenced among them).
 */
export type PlanOutcome = { kind: 'done' } | { kind: 'race'; error: Error } | { kind: 'error'; error: Error };

export interface SyncPlannerDeps {
  index: SelectorIndex;
  mirror: ObjectMirror;
  triggers: TriggerTimeTracker;
  zones: ReadonlyMap<string, string>;
  random: () => number;
  now: () => number;
  maxEndpointsPerSlice?: number | undefined;
  tally: WriteTally;
  /** A write the store refused as invalid: that object is skipped, reported here. */
  refused: (key: string, e: InvalidObjectError) => void;
}

/**
 * The sync of one Service as data (upstream's syncService of the endpoints and EndpointSlice
 * controllers): what to create, update and delete, computed from the index and the mirror without
 * I/O, so that the controller can write the plans of many Services as one store batch.
 */
export class SyncPlanner {
  constructor(private readonly d: SyncPlannerDeps) {}

  plan(key: string): SyncPlan {
    const d = this.d;
    const plan: SyncPlan = { key, ops: [], onResult: [] };
    const [ns, name] = splitKey(key);
    const svc = d.index.getService(key);
    const ours = d.mirror.slicesFor(key, ENDPOINTSLICE_CONTROLLER_NAME);
    const mirrored = d.mirror.slicesFor(key, MIRRORING_CONTROLLER_NAME);
    const existing = d.mirror.getEndpoints(key);

    if (!svc) {
      // The Service is gone: its Endpoints go (even hand-written ones, as upstream) and so do its slices.
      d.triggers.deleteService(ns, name);
      if (existing) this.remove(plan, 'Endpoints', existing, () => d.mirror.removeEndpoints(key));
      this.slices(plan, { create: [], update: [], delete: [...ours, ...mirrored] });
      return plan;
    }
    if (!isReconciledService(svc)) {
      // Selectorless (or ExternalName without selector): mirror hand-written Endpoints into slices.
      const changes = shouldMirror(svc, existing)
        ? reconcileMirroredSlices(existing!, mirrored, { random: d.random })
        : { create: [], update: [], delete: mirrored };
      this.slices(plan, changes);
      return plan;
    }
    if (mirrored.length) this.slices(plan, { create: [], update: [], delete: mirrored });

    const pods = d.index.podsForService(svc);
    const trigger = d.triggers.compute(svc, pods);
    const endpoints = planEndpoints(svc, pods, existing, { triggerTime: trigger, podsSelected: true });
    const changes = reconcileSlices(svc, pods, ours, {
      random: d.random,
      triggerTime: trigger,
      podsSelected: true,
      zoneOf: (node) => d.zones.get(node),
      ...(d.maxEndpointsPerSlice ? { maxEndpointsPerSlice: d.maxEndpointsPerSlice } : {}),
    });
    if (endpoints && endpoints.action !== 'none') {
      const action = endpoints.action;
      this.write(plan, { op: action, object: { ...endpoints.endpoints, kind: 'Endpoints' } }, action, (o) => d.mirror.putEndpoints(key, o as Endpoints));
    }
    this.slices(plan, changes);
    return plan;
  }

  /** The outcome of a plan's writes, given their results (in the order of `plan.ops`). */
  settle(plan: SyncPlan, results: readonly BatchResult[]): PlanOutcome {
    let race: Error | undefined;
    let error: Error | undefined;
    results.forEach((r, i) => {
      plan.onResult[i]!(r);
      if (r.ok) return;
      const e = r.error;
      if (e instanceof InvalidObjectError) return;
      if (plan.ops[i]!.op === 'delete' && isStoreError(e, 'NotFound')) return;
      if (isStoreError(e, 'Conflict') || isStoreError(e, 'NotFound') || isStoreError(e, 'AlreadyExists')) race ??= e;
      else error ??= e;
    });
    if (error) return { kind: 'error', error };
    if (race) return { kind: 'race', error: race };
    return { kind: 'done' };
  }

  private write(plan: SyncPlan, op: BatchOp, action: 'create' | 'update', put: (o: Endpoints | EndpointSlice) => void): void {
    const d = this.d;
    plan.ops.push(op);
    plan.onResult.push((r) => {
      if (r.ok) {
        d.tally.writes[action]++;
        d.tally.lastWriteAt = d.now();
        put(r.object as Endpoints | EndpointSlice);
      } else if (r.error instanceof InvalidObjectError) {
        // The trusted path still checks endpoint addresses: an address the core let through (it
        // filters Pods, but mirrors hand-written Endpoints, which may have been written around the
        // store) lands here. That one object is skipped and the sync is not retried for it, since
        // the same inputs would be refused again; the next change of its inputs syncs it anew.
        d.tally.refused++;
        d.tally.errors++;
        d.refused(plan.key, r.error);
      }
    });
  }

  private slices(plan: SyncPlan, changes: SliceChanges): void {
    const put = (o: Endpoints | EndpointSlice) => this.d.mirror.putSlice(o as EndpointSlice);
    for (const s of changes.create) this.write(plan, { op: 'create', object: { ...s, kind: 'EndpointSlice' } }, 'create', put);
    for (const s of changes.update) this.write(plan, { op: 'update', object: { ...s, kind: 'EndpointSlice' } }, 'update', put);
    for (const s of changes.delete) this.remove(plan, 'EndpointSlice', s, () => this.d.mirror.removeSlice(s));
  }

  private remove(plan: SyncPlan, kind: 'Endpoints' | 'EndpointSlice', obj: Endpoints | EndpointSlice, forget: () => void): void {
    const d = this.d;
    plan.ops.push({ op: 'delete', kind, namespace: obj.metadata?.namespace ?? 'default', name: obj.metadata?.name ?? '' });
    plan.onResult.push((r) => {
      if (r.ok) {
        d.tally.writes.delete++;
        d.tally.lastWriteAt = d.now();
      }
      // Deleted, or already gone: either way it is not ours to track any more.
      if (r.ok || isStoreError(r.error, 'NotFound')) forget();
    });
  }
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}
