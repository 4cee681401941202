import { InvalidObjectError, type EndpointSlice, type Endpoints, type Node, type Pod, type Service } from '@svcnet/model';
import { StoreError, isStoreError, listAndWatch, type Informer, type Lease, type Store, type WriteOptions } from '@svcnet/store';
import { ENDPOINTSLICE_CONTROLLER_NAME, LABEL_TOPOLOGY_ZONE, MIRRORING_CONTROLLER_NAME } from '../core/constants.js';
import { planEndpoints } from '../core/desiredEndpoints.js';
import { reconcileMirroredSlices, shouldMirror } from '../core/mirroring.js';
import { isReconciledService, podIPProblem } from '../core/podRules.js';
import { reconcileSlices, type SliceChanges } from '../core/sliceReconciler.js';
import { TriggerTimeTracker } from '../core/triggerTimeTracker.js';
import { SelectorIndex } from '../view/selectorIndex.js';
import { ObjectMirror, serviceKeyOfSlice } from './objectMirror.js';
import { podChangeMatters } from './podChanges.js';
import { WorkQueue } from './workQueue.js';

export interface EndpointsControllerOptions {
  /** Who we are in the lease (default `svcnet-endpoints-<pid>-<random>`). */
  holder?: string;
  leaseName?: string;
  /** Lease time-to-live; renewed every third of it (default 15 s). */
  leaseTtlMs?: number;
  /** Clock and randomness, injected for tests. */
  now?: () => number;
  random?: () => number;
  maxEndpointsPerSlice?: number;
  /** After this many failed syncs a key is dropped until its next change (upstream maxRetries). */
  maxRetries?: number;
  /** Look up zones from Node objects (topology.kubernetes.io/zone); default true. */
  watchNodes?: boolean;
  onError?: (error: Error, key?: string) => void;
  /**
   * Services synced at once (default 8), as client-go's worker goroutines: a key is never synced by
   * two workers at the same time. Through Redis this overlaps round trips; in memory it changes nothing.
   */
  workers?: number;
}

export interface EndpointsControllerStats {
  leader: boolean;
  queueDepth: number;
  oldestPendingMs: number;
  syncs: number;
  writes: { create: number; update: number; delete: number };
  conflicts: number;
  errors: number;
  fenced: number;
  dropped: number;
  /** Writes the store refused as invalid (counted in `errors` too): that object skipped, the rest written. */
  refused: number;
}

export const DEFAULT_LEASE_NAME = 'svcnet-endpoints-controller';

/**
 * A Pod whose IPs do not parse, or are loopback, link-local or unspecified (written around status
 * validation): left out of Endpoints and slices, its Services' other Pods still published.
 */
export class InvalidPodIPError extends Error {
  readonly code = 'InvalidPodIP';
  constructor(readonly pod: string, readonly problem: string) {
    super(`endpoints: skipping Pod "${pod}": ${problem}; it is left out of its Services' Endpoints and EndpointSlices until its status holds valid IPs`);
    this.name = 'InvalidPodIPError';
  }
}

/**
 * The shell: watches Services, Pods, Endpoints, EndpointSlices (and Nodes for zones), queues
 * Services, and, only while holding the lease, writes Endpoints and EndpointSlices with the lease's
 * fencing token. A Conflict re-reads and recomputes; a Fenced write drops leadership at once.
 */
export class EndpointsController {
  private readonly index = new SelectorIndex();
  private readonly mirror = new ObjectMirror();
  private readonly zones = new Map<string, string>();
  /** Pods skipped for invalid IPs, with the problem last reported (logged once per pod and problem). */
  private readonly badPodIPs = new Map<string, string>();
  private readonly triggers = new TriggerTimeTracker();
  private readonly queue: WorkQueue;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly holder: string;
  private readonly leaseName: string;
  private readonly ttl: number;
  private readonly informers: Informer<unknown>[] = [];
  private lease: Lease | undefined;
  private leaseTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private readonly leaderWaiters = new Set<() => void>();
  private lastYield = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly counters: Omit<EndpointsControllerStats, 'leader' | 'queueDepth' | 'oldestPendingMs'> = {
    syncs: 0, writes: { create: 0, update: 0, delete: 0 }, conflicts: 0, errors: 0, fenced: 0, dropped: 0, refused: 0,
  };

  constructor(private readonly store: Store, private readonly options: EndpointsControllerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.holder = options.holder ?? `svcnet-endpoints-${process.pid}-${Math.floor(this.random() * 1e9).toString(36)}`;
    this.leaseName = options.leaseName ?? DEFAULT_LEASE_NAME;
    this.ttl = options.leaseTtlMs ?? 15_000;
    this.queue = new WorkQueue(this.now);
  }

  get isLeader(): boolean {
    return this.lease !== undefined;
  }

  stats(): EndpointsControllerStats {
    return { leader: this.isLeader, queueDepth: this.queue.depth, oldestPendingMs: this.queue.oldestAgeMs(), ...structuredClone(this.counters) };
  }

  /** Starts the watches, waits until their first lists are in, then campaigns for the lease and works. */
  async start(): Promise<void> {
    // shared: the caches hold the store's own objects (no copy per object per event); nothing here
    // mutates an object it reads (the core copies what it changes).
    const informerOptions = { onError: (e: Error) => this.report(e), shared: true };
    const services = listAndWatch(this.store, 'Service', informerOptions);
    const pods = listAndWatch(this.store, 'Pod', informerOptions);
    const endpoints = listAndWatch(this.store, 'Endpoints', informerOptions);
    const slices = listAndWatch(this.store, 'EndpointSlice', informerOptions);
    this.informers.push(services, pods, endpoints, slices);
    // An informer's first list arrives as ADDED events before it reports synced: those only fill the
    // index and the mirror (one pass, nothing queued); taking the lease queues every Service anyway.
    services.on((e) => {
      if (!services.hasSynced()) this.index.upsertService(e.object);
      else if (e.type === 'DELETED') this.onServiceDelete(e.object);
      else this.onService(e.object);
    });
    pods.on((e) => {
      if (!pods.hasSynced()) {
        this.checkPodIPs(e.object, e.object);
        this.index.upsertPod(e.object);
      } else this.onPod(e.type === 'MODIFIED' ? e.old : undefined, e.type === 'DELETED' ? undefined : e.object, e.object);
    });
    endpoints.on((e) => {
      if (!endpoints.hasSynced()) this.mirror.putEndpoints(keyOf(e.object), e.object);
      else this.onEndpoints(e.object, e.type === 'DELETED');
    });
    slices.on((e) => {
      if (!slices.hasSynced()) this.mirror.putSlice(e.object);
      else this.onSlice(e.object, e.type === 'DELETED');
    });
    if (this.options.watchNodes !== false) {
      const nodes = listAndWatch(this.store, 'Node', informerOptions);
      this.informers.push(nodes);
      nodes.on((e) => this.onNode(e.object, e.type === 'DELETED'));
      await nodes.synced;
      for (const n of nodes.list()) this.onNode(n, false);
    }
    await Promise.all([services.synced, pods.synced, endpoints.synced, slices.synced]);
    void this.campaign();
    for (let i = 0; i < Math.max(1, this.options.workers ?? 8); i++) void this.work();
  }

  /** Stops watching and writing; `release: false` leaves the lease to lapse, as a crashed process would. */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    if (this.leaseTimer) clearTimeout(this.leaseTimer);
    for (const i of this.informers) i.stop();
    this.queue.shutDown();
    this.wakeWorker();
    const lease = this.lease;
    this.lease = undefined;
    if (lease && options.release !== false) await this.store.leases.release(lease).catch(() => undefined);
  }

  /** Resolves when this controller leads and has nothing queued or in flight (for tests and benches). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  // ---- events: record and enqueue only ----

  private onService(svc: Service): void {
    this.index.upsertService(svc);
    this.queue.add(keyOf(svc));
  }
  private onServiceDelete(svc: Service): void {
    this.index.deleteService(keyOf(svc));
    this.queue.add(keyOf(svc));
  }
  private onPod(old: Pod | undefined, cur: Pod | undefined, obj: Pod): void {
    this.checkPodIPs(cur, obj);
    const keys = new Set<string>();
    if (old && cur && !podChangeMatters(old, cur)) {
      this.index.upsertPod(cur);
      return;
    }
    if (old) for (const k of this.index.servicesForPod(old)) keys.add(k);
    if (cur) this.index.upsertPod(cur);
    else this.index.deletePod(keyOf(obj));
    for (const k of this.index.servicesForPod(cur ?? obj)) keys.add(k);
    for (const k of keys) this.queue.add(k);
  }
  private checkPodIPs(cur: Pod | undefined, obj: Pod): void {
    const key = keyOf(obj);
    const problem = cur ? podIPProblem(cur) : undefined;
    if (problem === undefined) {
      this.badPodIPs.delete(key);
      return;
    }
    if (this.badPodIPs.get(key) === problem) return;
    this.badPodIPs.set(key, problem);
    this.report(new InvalidPodIPError(key, problem), key);
  }
  private onEndpoints(ep: Endpoints, deleted: boolean): void {
    const key = keyOf(ep);
    const changed = deleted ? this.removeIfNotNewer(key, ep) : this.mirror.putEndpoints(key, ep);
    if (changed) this.queue.add(key);
  }
  private removeIfNotNewer(key: string, ep: Endpoints): boolean {
    const cur = this.mirror.getEndpoints(key);
    if (!cur || Number(cur.metadata?.resourceVersion ?? 0) > Number(ep.metadata?.resourceVersion ?? 0)) return false;
    return this.mirror.removeEndpoints(key);
  }
  private onSlice(slice: EndpointSlice, deleted: boolean): void {
    const changed = deleted ? this.mirror.removeSlice(slice) : this.mirror.putSlice(slice);
    const key = serviceKeyOfSlice(slice);
    if (changed && key) this.queue.add(key);
  }
  private onNode(node: Node, deleted: boolean): void {
    const name = node.metadata?.name ?? '';
    const zone = node.metadata?.labels?.[LABEL_TOPOLOGY_ZONE];
    if (deleted || !zone) this.zones.delete(name);
    else this.zones.set(name, zone);
  }

  // ---- leadership ----

  private async campaign(): Promise<void> {
    if (this.stopped) return;
    try {
      if (this.lease) {
        const renewed = await this.store.leases.renew(this.lease, this.ttl);
        if (!renewed) this.loseLease();
        else this.lease = renewed;
      } else {
        const got = await this.store.leases.acquire(this.leaseName, this.holder, this.ttl);
        if (got && !this.stopped) {
          this.lease = got;
          this.resyncAll();
          this.wakeWorker();
        }
      }
    } catch (e) {
      this.report(e as Error);
    }
    if (!this.stopped) this.leaseTimer = setTimeout(() => void this.campaign(), Math.max(10, Math.floor(this.ttl / 3)));
  }

  private loseLease(): void {
    this.lease = undefined;
  }

  private wakeWorker(): void {
    const ws = [...this.leaderWaiters];
    this.leaderWaiters.clear();
    for (const w of ws) w();
  }

  /** On taking the lease: every Service, and every Endpoints/slice owner (checkLeftoverEndpoints). */
  private resyncAll(): void {
    for (const k of this.index.serviceKeys()) this.queue.add(k);
    for (const k of this.mirror.endpointsKeys()) this.queue.add(k);
    for (const k of this.mirror.sliceServiceKeys()) this.queue.add(k);
  }

  // ---- the worker ----

  /** One worker: takes a key no other worker holds, syncs it, and marks it done. */
  private async work(): Promise<void> {
    while (!this.stopped) {
      if (!this.lease) {
        // Followers keep their caches and queue current but write nothing; wait for leadership.
        await new Promise<void>((r) => this.leaderWaiters.add(r));
        continue;
      }
      const key = this.queue.take();
      if (key === undefined) {
        if (this.isIdle()) this.notifyIdle();
        await this.queue.waitForWork();
        continue;
      }
      try {
        await this.syncWithRetries(key);
        this.queue.forget(key);
      } catch (e) {
        this.handleError(key, e as Error);
      } finally {
        this.queue.done(key);
      }
      if (this.isIdle()) this.notifyIdle();
      await this.yieldToTimers();
    }
  }

  /**
   * With an in-process store every await resolves as a microtask, so a long backlog would starve
   * timers and I/O: the lease renewal would not run, the lease would lapse mid-reconcile and the
   * retake would queue every Service again. Give the event loop a turn every few milliseconds.
   */
  private async yieldToTimers(): Promise<void> {
    const now = performance.now();
    if (now - this.lastYield < 10) return;
    await new Promise<void>((r) => setImmediate(r));
    this.lastYield = performance.now();
  }

  private isIdle(): boolean {
    return this.isLeader && this.queue.inFlight === 0 && this.queue.depth === 0;
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private handleError(key: string, e: Error): void {
    if (isStoreError(e, 'Fenced')) {
      this.counters.fenced++;
      this.loseLease();
      this.queue.add(key);
      return;
    }
    this.counters.errors++;
    this.report(e, key);
    if (this.queue.numRequeues(key) < (this.options.maxRetries ?? 15)) this.queue.addRateLimited(key);
    else {
      this.counters.dropped++;
      this.queue.forget(key);
    }
  }

  private report(e: Error, key?: string): void {
    this.options.onError?.(e, key);
  }

  /** A sync that loses a race (Conflict, NotFound, AlreadyExists) re-reads from the store and recomputes, up to 3 times. */
  private async syncWithRetries(key: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.sync(key);
        return;
      } catch (e) {
        const race = isStoreError(e, 'Conflict') || isStoreError(e, 'NotFound') || isStoreError(e, 'AlreadyExists');
        if (!race || attempt >= 2) throw e;
        this.counters.conflicts++;
        await this.refresh(key);
      }
    }
  }

  private async refresh(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const ep = await this.store.get('Endpoints', ns, name);
    const cur = this.mirror.getEndpoints(key);
    if (cur) this.mirror.removeEndpoints(key);
    if (ep) this.mirror.putEndpoints(key, ep);
    for (const managedBy of [ENDPOINTSLICE_CONTROLLER_NAME, MIRRORING_CONTROLLER_NAME]) {
      for (const s of this.mirror.slicesFor(key, managedBy)) this.mirror.removeSlice(s);
    }
    const fresh = await this.store.list('EndpointSlice', { namespace: ns, labelSelector: { 'kubernetes.io/service-name': name } });
    for (const s of fresh.items) this.mirror.putSlice(s);
  }

  /**
   * Every write is of an object this controller built from validated Services and Pods (or, when
   * mirroring, from admitted Endpoints), with every field admission would default already set; so it
   * skips admission (`trusted`; the tests validate each object the controller writes) and is handed
   * to the store without copies (`immutable`: neither what is written nor what comes back, kept in
   * the mirror, is ever mutated).
   */
  private writeOptions(): WriteOptions {
    if (!this.lease) throw new StoreError('Fenced', `endpoints controller ${this.holder} no longer holds lease "${this.leaseName}": not writing`);
    return { fence: { lease: this.lease.name, token: this.lease.token }, trusted: true, immutable: true };
  }

  private async sync(key: string): Promise<void> {
    this.counters.syncs++;
    const [ns, name] = splitKey(key);
    const svc = this.index.getService(key);
    const ours = this.mirror.slicesFor(key, ENDPOINTSLICE_CONTROLLER_NAME);
    const mirrored = this.mirror.slicesFor(key, MIRRORING_CONTROLLER_NAME);
    const existing = this.mirror.getEndpoints(key);

    if (!svc) {
      // The Service is gone: its Endpoints go (even hand-written ones, as upstream) and so do its slices.
      this.triggers.deleteService(ns, name);
      if (existing) await this.remove('Endpoints', existing, () => this.mirror.removeEndpoints(key));
      await this.applySlices(key, { create: [], update: [], delete: [...ours, ...mirrored] });
      return;
    }
    if (!isReconciledService(svc)) {
      // Selectorless (or ExternalName without selector): mirror hand-written Endpoints into slices.
      const changes = shouldMirror(svc, existing)
        ? reconcileMirroredSlices(existing!, mirrored, { random: this.random })
        : { create: [], update: [], delete: mirrored };
      await this.applySlices(key, changes);
      return;
    }
    if (mirrored.length) await this.applySlices(key, { create: [], update: [], delete: mirrored });

    const pods = this.index.podsForService(svc);
    const trigger = this.triggers.compute(svc, pods);
    const plan = planEndpoints(svc, pods, existing, { triggerTime: trigger, podsSelected: true });
    const changes = reconcileSlices(svc, pods, ours, {
      random: this.random,
      triggerTime: trigger,
      podsSelected: true,
      zoneOf: (node) => this.zones.get(node),
      ...(this.options.maxEndpointsPerSlice ? { maxEndpointsPerSlice: this.options.maxEndpointsPerSlice } : {}),
    });
    // The Endpoints object and the slices are independent objects (upstream writes them from two
    // controllers), so their writes overlap: one round trip less per change through Redis. A failure
    // of either fails the sync once both have settled, and the whole sync is retried.
    const outcomes = await Promise.allSettled([
      plan && plan.action !== 'none' ? this.writeEndpoints(key, plan.action, plan.endpoints) : undefined,
      this.applySlices(key, changes),
    ]);
    for (const o of outcomes) if (o.status === 'rejected') throw o.reason;
  }

  private async writeEndpoints(key: string, action: 'create' | 'update', endpoints: Endpoints): Promise<void> {
    const opts = this.writeOptions();
    try {
      const written =
        action === 'create'
          ? await this.store.create({ ...endpoints, kind: 'Endpoints' }, opts)
          : await this.store.update({ ...endpoints, kind: 'Endpoints' }, opts);
      this.counters.writes[action]++;
      this.mirror.putEndpoints(key, written);
    } catch (e) {
      if (!this.refused(key, e)) throw e;
    }
  }

  private async applySlices(key: string, changes: SliceChanges): Promise<void> {
    for (const s of changes.create) {
      try {
        const written = await this.store.create({ ...s, kind: 'EndpointSlice' }, this.writeOptions());
        this.counters.writes.create++;
        this.mirror.putSlice(written);
      } catch (e) {
        if (!this.refused(key, e)) throw e;
      }
    }
    for (const s of changes.update) {
      try {
        const written = await this.store.update({ ...s, kind: 'EndpointSlice' }, this.writeOptions());
        this.counters.writes.update++;
        this.mirror.putSlice(written);
      } catch (e) {
        if (!this.refused(key, e)) throw e;
      }
    }
    for (const s of changes.delete) await this.remove('EndpointSlice', s, () => this.mirror.removeSlice(s));
  }

  /**
   * A write the store refused as invalid: the trusted path still checks endpoint addresses, so an
   * address the core let through (it filters Pods, but mirrors hand-written Endpoints, which may
   * have been written around the store) lands here. It is reported and that one object skipped;
   * the sync goes on with the others and is not retried, since the same inputs would be refused
   * again; the next change of the Service, its Pods or its Endpoints syncs it anew. Returns false
   * for any other error, which the caller rethrows.
   */
  private refused(key: string, e: unknown): boolean {
    if (!(e instanceof InvalidObjectError)) return false;
    this.counters.refused++;
    this.counters.errors++;
    this.report(e, key);
    return true;
  }

  private async remove(kind: 'Endpoints' | 'EndpointSlice', obj: Endpoints | EndpointSlice, forget: () => void): Promise<void> {
    try {
      await this.store.delete(kind, obj.metadata?.namespace ?? 'default', obj.metadata?.name ?? '', this.writeOptions());
      this.counters.writes.delete++;
    } catch (e) {
      if (!isStoreError(e, 'NotFound')) throw e;
    }
    forget();
  }
}

function keyOf(o: { metadata?: { namespace?: string; name?: string } }): string {
  return `${o.metadata?.namespace ?? 'default'}/${o.metadata?.name ?? ''}`;
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}
