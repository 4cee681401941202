import { ENDPOINTSLICE_CONTROLLER_NAME, LABEL_SERVICE_NAME, MIRRORING_CONTROLLER_NAME, type EndpointSlice, type Endpoints } from '@svcnet/model';
import { StoreError, isStoreError, type BatchResult, type Fence, type Store, type WriteOptions } from '@svcnet/store';
import type { ObjectMirror } from './objectMirror.js';
import { splitKey, type SyncPlan, type SyncPlanner } from './syncPlanner.js';
import type { WorkQueue } from './workQueue.js';

/** What the writes count (the controller's stats). */
export interface SyncCounters {
  syncs: number;
  conflicts: number;
  errors: number;
  fenced: number;
  dropped: number;
}

export interface SyncWriterDeps {
  store: Store;
  planner: SyncPlanner;
  queue: WorkQueue;
  mirror: ObjectMirror;
  counters: SyncCounters;
  /** The fence of the current term, or undefined when not leading (then nothing is written). */
  fence(): Fence | undefined;
  /** A write was Fenced: someone else leads; end this term now. */
  lost(): void;
  /** Says who is not writing, in the Fenced error when the term is already over. */
  describe(): string;
  report(e: Error, key?: string): void;
  /** After this many failed syncs a key is dropped until its next change (upstream maxRetries). */
  maxRetries: number;
}

/**
 * The controller's writes: plans the keys a worker took (pure, from the caches), writes every
 * plan's ops as one fenced store batch, and settles each key on its own: done (forgotten by the
 * queue), a lost race (Conflict, NotFound, AlreadyExists: that key's objects re-read from the
 * store and planned again, up to 3 times) or an error (the queue's per-key backoff; Fenced ends
 * the term at once).
 */
export class SyncWriter {
  /** Keys being synced -> the changes of their Endpoints and slices seen meanwhile (see changed()). */
  private readonly seenWhileSyncing = new Map<string, string[]>();

  constructor(private readonly d: SyncWriterDeps) {}

  /**
   * An Endpoints or slice of `key` changed in the store. While `key` is being synced, the change is
   * most likely this sync's own write coming back before the batch that made it has answered (a
   * batch answers after all its writes): it is noted, and the key is queued again only if it was not
   * one of the writes the batch reports (settled()). Otherwise the key is queued now.
   */
  changed(key: string, kind: string, obj: Endpoints | EndpointSlice): void {
    const seen = this.seenWhileSyncing.get(key);
    if (seen) seen.push(writeId(kind, obj));
    else this.d.queue.add(key);
  }

  async syncAll(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.seenWhileSyncing.set(key, []);
    try {
      await this.syncAttempts(keys);
    } finally {
      // Whatever changed meanwhile and was not accounted for (an error, a stop) is synced again.
      for (const key of keys) {
        if (this.seenWhileSyncing.get(key)?.length) this.d.queue.add(key);
        this.seenWhileSyncing.delete(key);
      }
    }
  }

  /** Changes seen while `plan` was written that are not among its own writes: someone else's. */
  private settled(plan: SyncPlan, results: readonly BatchResult[]): void {
    const seen = this.seenWhileSyncing.get(plan.key);
    if (!seen?.length) return;
    const ours = new Set<string>();
    for (const r of results) if (r.ok) ours.add(writeId(r.object.kind ?? '', r.object));
    const foreign = seen.some((id) => !ours.has(id));
    seen.length = 0;
    if (foreign) this.d.queue.add(plan.key);
  }

  private async syncAttempts(keys: readonly string[]): Promise<void> {
    const { planner, queue, counters } = this.d;
    let todo = keys;
    for (let attempt = 0; todo.length > 0; attempt++) {
      const plans: SyncPlan[] = [];
      for (const key of todo) {
        counters.syncs++;
        try {
          plans.push(planner.plan(key));
        } catch (e) {
          this.handleError(key, e as Error);
        }
      }
      const ops = plans.flatMap((p) => p.ops);
      let results: BatchResult[] = [];
      if (ops.length > 0) {
        try {
          results = await this.d.store.batch(ops, this.writeOptions());
        } catch (e) {
          for (const p of plans) this.handleError(p.key, e as Error);
          return;
        }
      }
      const raced: string[] = [];
      let at = 0;
      for (const p of plans) {
        const mine = results.slice(at, (at += p.ops.length));
        const outcome = planner.settle(p, mine);
        this.settled(p, mine);
        if (outcome.kind === 'done') queue.forget(p.key);
        else if (outcome.kind === 'error') this.handleError(p.key, outcome.error);
        else if (attempt >= 2) this.handleError(p.key, outcome.error);
        else {
          counters.conflicts++;
          raced.push(p.key);
        }
      }
      await Promise.all(raced.map((key) => this.refresh(key).catch((e: Error) => this.d.report(e, key))));
      todo = raced;
    }
  }

  private handleError(key: string, e: Error): void {
    const { queue, counters } = this.d;
    if (isStoreError(e, 'Fenced')) {
      counters.fenced++;
      this.d.lost();
      queue.add(key);
      return;
    }
    counters.errors++;
    this.d.report(e, key);
    if (queue.numRequeues(key) < this.d.maxRetries) queue.addRateLimited(key);
    else {
      counters.dropped++;
      queue.forget(key);
    }
  }

  private async refresh(key: string): Promise<void> {
    const { store, mirror } = this.d;
    const [ns, name] = splitKey(key);
    const ep = await store.get('Endpoints', ns, name);
    const cur = mirror.getEndpoints(key);
    if (cur) mirror.removeEndpoints(key);
    if (ep) mirror.putEndpoints(key, ep);
    for (const managedBy of [ENDPOINTSLICE_CONTROLLER_NAME, MIRRORING_CONTROLLER_NAME]) {
      for (const s of mirror.slicesFor(key, managedBy)) mirror.removeSlice(s);
    }
    const fresh = await store.list('EndpointSlice', { namespace: ns, labelSelector: { [LABEL_SERVICE_NAME]: name } });
    for (const s of fresh.items) mirror.putSlice(s);
  }

  /**
   * Every write is of an object this controller built from validated Services and Pods (or, when
   * mirroring, from admitted Endpoints), with every field admission would default already set; so it
   * skips admission (`trusted`; the tests validate each object the controller writes) and is handed
   * to the store without copies (`immutable`: neither what is written nor what comes back, kept in
   * the mirror, is ever mutated).
   */
  private writeOptions(): WriteOptions {
    const fence = this.d.fence();
    if (!fence) throw new StoreError('Fenced', `${this.d.describe()}: not writing`);
    return { fence, trusted: true, immutable: true };
  }
}

/** `kind/ns/name@resourceVersion`: one write, as its result and its watch event both show it. */
function writeId(kind: string, o: { metadata?: { namespace?: string; name?: string; resourceVersion?: string } }): string {
  return `${kind}/${o.metadata?.namespace ?? 'default'}/${o.metadata?.name ?? ''}@${o.metadata?.resourceVersion ?? ''}`;
}
