import type { EndpointSlice, Endpoints, Node, Pod, Service } from '@svcnet/model';
import { LeaderElector, SharedInformerFactory, systemClock, type Clock, type Informer, type Store } from '@svcnet/store';
import { LABEL_TOPOLOGY_ZONE, objectKey, sliceServiceKey } from '@svcnet/model';
import { podIPProblem } from '../core/podRules.js';
import { TriggerTimeTracker } from '../core/triggerTimeTracker.js';
import { SelectorIndex } from '../view/selectorIndex.js';
import { ObjectMirror } from './objectMirror.js';
import { podChangeMatters } from './podChanges.js';
import { SyncPlanner, type WriteTally } from './syncPlanner.js';
import { SyncWorkers } from './syncWorkers.js';
import { SyncWriter } from './syncWriter.js';
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
  clock?: Clock;
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
  private readonly random: () => number;
  private readonly informers: Informer<unknown>[] = [];
  /** The lease: this controller writes only while it leads, every write fenced. */
  private readonly elector: LeaderElector;
  private readonly writer: SyncWriter;
  private readonly workers: SyncWorkers;
  private ownFactory: SharedInformerFactory | undefined;
  private readonly counters: Omit<EndpointsControllerStats, 'leader' | 'queueDepth' | 'oldestPendingMs' | 'oldestUnfinishedMs' | 'queue'> & WriteTally = {
    syncs: 0, writes: { create: 0, update: 0, delete: 0 }, conflicts: 0, errors: 0, fenced: 0, dropped: 0, refused: 0, lastWriteAt: 0,
  };

  constructor(private readonly store: Store, private readonly options: EndpointsControllerOptions = {}) {
    const clock = options.clock ?? systemClock;
    const now = () => clock.now();
    this.random = options.random ?? Math.random;
    const holder = options.holder ?? `svcnet-endpoints-${process.pid}-${Math.floor(this.random() * 1e9).toString(36)}`;
    const leaseName = options.leaseName ?? DEFAULT_LEASE_NAME;
    this.queue = new WorkQueue(now);
    this.elector = new LeaderElector(store, leaseName, holder, {
      ttlMs: options.leaseTtlMs ?? 15_000,
      minRetryMs: 10,
      clock,
      onStartedLeading: () => this.startedLeading(),
      onError: (e) => this.report(e),
    });
    const planner = new SyncPlanner({
      index: this.index,
      mirror: this.mirror,
      triggers: this.triggers,
      zones: this.zones,
      random: this.random,
      now,
      maxEndpointsPerSlice: options.maxEndpointsPerSlice,
      tally: this.counters,
      refused: (key, e) => this.report(e, key),
    });
    this.writer = new SyncWriter({
      store,
      planner,
      queue: this.queue,
      mirror: this.mirror,
      counters: this.counters,
      fence: () => this.elector.fence,
      lost: () => this.elector.lose(),
      describe: () => `endpoints controller ${holder} no longer holds lease "${leaseName}"`,
      report: (e, key) => this.report(e, key),
      maxRetries: options.maxRetries ?? 15,
    });
    this.workers = new SyncWorkers({
      queue: this.queue,
      workers: Math.max(1, options.workers ?? 8),
      batchServices: Math.max(1, options.batchServices ?? 100),
      isLeader: () => this.isLeader,
      sync: (keys) => this.writer.syncAll(keys),
    });
  }

  get isLeader(): boolean {
    return this.elector.isLeader;
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
      if (!endpoints.hasSynced()) this.mirror.putEndpoints(objectKey(e.object), e.object);
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
    void this.elector.start();
    this.workers.start();
  }

  /** Stops watching and writing; `release: false` leaves the lease to lapse, as a crashed process would. */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    const stopping = this.elector.stop(options);
    for (const i of this.informers) i.stop();
    this.ownFactory?.stop();
    this.queue.shutDown();
    this.workers.stop();
    await stopping;
  }

  /** Resolves when this controller leads and has nothing queued or in flight (for tests and benches). */
  whenIdle(): Promise<void> {
    return this.workers.whenIdle();
  }

  // ---- events: record and enqueue only ----

  private onService(svc: Service): void {
    this.index.upsertService(svc);
    this.queue.add(objectKey(svc));
  }
  private onServiceDelete(svc: Service): void {
    this.index.deleteService(objectKey(svc));
    this.queue.add(objectKey(svc));
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
    else this.index.deletePod(objectKey(obj));
    for (const k of this.index.servicesForPod(cur ?? obj)) keys.add(k);
    for (const k of keys) this.queue.add(k);
  }
  private checkPodIPs(cur: Pod | undefined, obj: Pod): void {
    const key = objectKey(obj);
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
    const key = objectKey(ep);
    const changed = deleted ? this.removeIfNotNewer(key, ep) : this.mirror.putEndpoints(key, ep);
    if (changed) this.writer.changed(key, 'Endpoints', ep);
  }
  private removeIfNotNewer(key: string, ep: Endpoints): boolean {
    const cur = this.mirror.getEndpoints(key);
    if (!cur || Number(cur.metadata?.resourceVersion ?? 0) > Number(ep.metadata?.resourceVersion ?? 0)) return false;
    return this.mirror.removeEndpoints(key);
  }
  private onSlice(slice: EndpointSlice, deleted: boolean): void {
    const changed = deleted ? this.mirror.removeSlice(slice) : this.mirror.putSlice(slice);
    const key = sliceServiceKey(slice);
    if (changed && key) this.writer.changed(key, 'EndpointSlice', slice);
  }
  private onNode(node: Node, deleted: boolean): void {
    const name = node.metadata?.name ?? '';
    const zone = node.metadata?.labels?.[LABEL_TOPOLOGY_ZONE];
    if (deleted || !zone) this.zones.delete(name);
    else this.zones.set(name, zone);
  }

  // ---- leadership ----

  /** A new term: what waited while another agent led was not this one's to do; every key is synced. */
  private startedLeading(): void {
    this.queue.restartClocks();
    this.resyncAll();
    this.workers.wake();
  }

  /** On taking the lease: every Service, and every Endpoints/slice owner (checkLeftoverEndpoints). */
  private resyncAll(): void {
    for (const k of this.index.serviceKeys()) this.queue.add(k);
    for (const k of this.mirror.endpointsKeys()) this.queue.add(k);
    for (const k of this.mirror.sliceServiceKeys()) this.queue.add(k);
  }

  private report(e: Error, key?: string): void {
    this.options.onError?.(e, key);
  }
}
