import type { EndpointSlice, Endpoints, Node, Pod, Service } from '@svcnet/model';
import { SharedInformerFactory, StoreError, isStoreError, type BatchResult, type Informer, type Lease, type Store, type WriteOptions } from '@svcnet/store';
import { ENDPOINTSLICE_CONTROLLER_NAME, LABEL_TOPOLOGY_ZONE, MIRRORING_CONTROLLER_NAME } from '../core/constants.js';
import { podIPProblem } from '../core/podRules.js';
import { TriggerTimeTracker } from '../core/triggerTimeTracker.js';
import { SelectorIndex } from '../view/selectorIndex.js';
import { ObjectMirror, serviceKeyOfSlice } from './objectMirror.js';
import { podChangeMatters } from './podChanges.js';
import { SyncPlanner, splitKey, type SyncPlan, type WriteTally } from './syncPlanner.js';
import { WorkQueue } from './workQueue.js';

export interface EndpointsControllerOptions {
  /** The process's shared informers (the agent's); without it, the controller builds its own on its store. */
  informers?: SharedInformerFactory;
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
  /**
   * Most Services one worker syncs together, their writes sent as one store batch (default 100).
   * A worker takes a share of the backlog (depth / workers, at least 1): a single change is synced
   * and written alone, an initial pass or a burst in batches.
   */
  batchServices?: number;
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
  /**
   * Age of the oldest change not yet written (waiting, being synced or waiting for a retry), in ms:
   * what a stuck controller shows (the agent's /healthz fails on it while this one leads).
   */
  oldestUnfinishedMs: number;
  /** Epoch ms of the last write the store acknowledged (0: none since start). */
  lastWriteAt: number;
  /** client-go workqueue figures: adds and retries since start, the longest and the summed running time of syncs in flight. */
  queue: { adds: number; retries: number; longestRunningMs: number; unfinishedWorkMs: number };
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
  private ownFactory: SharedInformerFactory | undefined;
  private lease: Lease | undefined;
  private leaseTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private readonly leaderWaiters = new Set<() => void>();
  private lastYield = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly counters: Omit<EndpointsControllerStats, 'leader' | 'queueDepth' | 'oldestPendingMs' | 'oldestUnfinishedMs' | 'queue'> & WriteTally = {
    syncs: 0, writes: { create: 0, update: 0, delete: 0 }, conflicts: 0, errors: 0, fenced: 0, dropped: 0, refused: 0, lastWriteAt: 0,
  };
  private readonly planner: SyncPlanner;
  /** Keys being synced -> the changes of their Endpoints and slices seen meanwhile (see changed()). */
  private readonly seenWhileSyncing = new Map<string, string[]>();

  constructor(private readonly store: Store, private readonly options: EndpointsControllerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.holder = options.holder ?? `svcnet-endpoints-${process.pid}-${Math.floor(this.random() * 1e9).toString(36)}`;
    this.leaseName = options.leaseName ?? DEFAULT_LEASE_NAME;
    this.ttl = options.leaseTtlMs ?? 15_000;
    this.queue = new WorkQueue(this.now);
    this.planner = new SyncPlanner({
      index: this.index,
      mirror: this.mirror,
      triggers: this.triggers,
      zones: this.zones,
      random: this.random,
      now: this.now,
      maxEndpointsPerSlice: options.maxEndpointsPerSlice,
      tally: this.counters,
      refused: (key, e) => this.report(e, key),
    });
  }

  get isLeader(): boolean {
    return this.lease !== undefined;
  }

  stats(): EndpointsControllerStats {
    return {
      leader: this.isLeader,
      queueDepth: this.queue.depth,
      oldestPendingMs: this.queue.oldestAgeMs(),
      oldestUnfinishedMs: this.queue.oldestUnfinishedMs(),
      queue: this.queue.metrics(),
      ...structuredClone(this.counters),
    };
  }

  /** Starts the watches, waits until their first lists are in, then campaigns for the lease and works. */
  async start(): Promise<void> {
    // Shared informers: the caches hold the store's own objects, frozen (no copy per object per
    // event); nothing here mutates an object it reads (the core copies what it changes).
    const informerOptions = { onError: (e: Error) => this.report(e) };
    if (!this.options.informers) this.ownFactory = new SharedInformerFactory(this.store);
    const informers = this.options.informers ?? this.ownFactory!;
    const services = informers.informer('Service', informerOptions);
    const pods = informers.informer('Pod', informerOptions);
    const endpoints = informers.informer('Endpoints', informerOptions);
    const slices = informers.informer('EndpointSlice', informerOptions);
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
      const nodes = informers.informer('Node', informerOptions);
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
    this.ownFactory?.stop();
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
    if (changed) this.changed(key, 'Endpoints', ep);
  }
  /**
   * An Endpoints or slice of `key` changed in the store. While `key` is being synced, the change is
   * most likely this sync's own write coming back before the batch that made it has answered (a
   * batch answers after all its writes): it is noted, and the key is queued again only if it was not
   * one of the writes the batch reports (settled()). Otherwise the key is queued now.
   */
  private changed(key: string, kind: string, obj: Endpoints | EndpointSlice): void {
    const seen = this.seenWhileSyncing.get(key);
    if (seen) seen.push(writeId(kind, obj));
    else this.queue.add(key);
  }
  private removeIfNotNewer(key: string, ep: Endpoints): boolean {
    const cur = this.mirror.getEndpoints(key);
    if (!cur || Number(cur.metadata?.resourceVersion ?? 0) > Number(ep.metadata?.resourceVersion ?? 0)) return false;
    return this.mirror.removeEndpoints(key);
  }
  private onSlice(slice: EndpointSlice, deleted: boolean): void {
    const changed = deleted ? this.mirror.removeSlice(slice) : this.mirror.putSlice(slice);
    const key = serviceKeyOfSlice(slice);
    if (changed && key) this.changed(key, 'EndpointSlice', slice);
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
          // What waited while another agent led was not this one's to do: its clock starts now.
          this.queue.restartClocks();
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

  /**
   * One worker: takes keys no other worker holds (its share of the backlog, at most
   * `batchServices`), syncs them with one store batch for all their writes, and marks them done.
   */
  private async work(): Promise<void> {
    const workers = Math.max(1, this.options.workers ?? 8);
    const most = Math.max(1, this.options.batchServices ?? 100);
    while (!this.stopped) {
      if (!this.lease) {
        // Followers keep their caches and queue current but write nothing; wait for leadership.
        await new Promise<void>((r) => this.leaderWaiters.add(r));
        continue;
      }
      const share = Math.min(most, Math.max(1, Math.ceil(this.queue.depth / workers)));
      const keys: string[] = [];
      for (let key = this.queue.take(); key !== undefined; key = keys.length < share ? this.queue.take() : undefined) keys.push(key);
      if (keys.length === 0) {
        if (this.isIdle()) this.notifyIdle();
        await this.queue.waitForWork();
        continue;
      }
      try {
        await this.syncAll(keys);
      } finally {
        for (const key of keys) this.queue.done(key);
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

  /**
   * Syncs `keys`: plans each (pure, from the caches), writes every plan's ops as one store batch,
   * and settles each key on its own: done (forgotten by the queue), a lost race (Conflict,
   * NotFound, AlreadyExists: that key's objects re-read from the store and planned again, up to 3
   * times) or an error (the queue's per-key backoff; Fenced drops leadership at once).
   */
  private async syncAll(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.seenWhileSyncing.set(key, []);
    try {
      await this.syncAttempts(keys);
    } finally {
      // Whatever changed meanwhile and was not accounted for (an error, a stop) is synced again.
      for (const key of keys) {
        if (this.seenWhileSyncing.get(key)?.length) this.queue.add(key);
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
    if (foreign) this.queue.add(plan.key);
  }

  private async syncAttempts(keys: readonly string[]): Promise<void> {
    let todo = keys;
    for (let attempt = 0; todo.length > 0; attempt++) {
      const plans: SyncPlan[] = [];
      for (const key of todo) {
        this.counters.syncs++;
        try {
          plans.push(this.planner.plan(key));
        } catch (e) {
          this.handleError(key, e as Error);
        }
      }
      const ops = plans.flatMap((p) => p.ops);
      let results: BatchResult[] = [];
      if (ops.length > 0) {
        try {
          results = await this.store.batch(ops, this.writeOptions());
        } catch (e) {
          for (const p of plans) this.handleError(p.key, e as Error);
          return;
        }
      }
      const raced: string[] = [];
      let at = 0;
      for (const p of plans) {
        const mine = results.slice(at, (at += p.ops.length));
        const outcome = this.planner.settle(p, mine);
        this.settled(p, mine);
        if (outcome.kind === 'done') this.queue.forget(p.key);
        else if (outcome.kind === 'error') this.handleError(p.key, outcome.error);
        else if (attempt >= 2) this.handleError(p.key, outcome.error);
        else {
          this.counters.conflicts++;
          raced.push(p.key);
        }
      }
      await Promise.all(raced.map((key) => this.refresh(key).catch((e: Error) => this.report(e, key))));
      todo = raced;
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
}

/** `kind/ns/name@resourceVersion`: one write, as its result and its watch event both show it. */
function writeId(kind: string, o: { metadata?: { namespace?: string; name?: string; resourceVersion?: string } }): string {
  return `${kind}/${o.metadata?.namespace ?? 'default'}/${o.metadata?.name ?? ''}@${o.metadata?.resourceVersion ?? ''}`;
}

function keyOf(o: { metadata?: { namespace?: string; name?: string } }): string {
  return `${o.metadata?.namespace ?? 'default'}/${o.metadata?.name ?? ''}`;
}

