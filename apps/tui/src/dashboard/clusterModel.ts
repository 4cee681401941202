import type { Endpoints, EndpointSlice, Ingress, KubeObject, Node, ObjectOfKind, Pod, Service } from '@svcnet/model';
import { objectKey, sliceServiceKey } from '@svcnet/model';
import { SharedInformerFactory, systemClock, type Clock, type Informer, type NodeAgentStatus, type NodeStatusStore, type Store, type TimerHandle } from '@svcnet/store';
import { describeSliceChange } from './changeText.js';

/** The kinds the dashboard shows; each gets one informer. */
export const WATCHED_KINDS = ['Service', 'EndpointSlice', 'Endpoints', 'Pod', 'Ingress', 'Node'] as const;
export type WatchedKind = (typeof WATCHED_KINDS)[number];

export interface DashboardEvent {
  at: number;
  kind: string;
  key: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'ERROR' | 'PROBLEM';
  message: string;
}

/** A problem the source reports while it runs: a manifest document it could not apply, with where. */
export interface SourceProblem {
  /** `file:line` (or the file), what `/` finds it by. */
  readonly where: string;
  readonly message: string;
}

/** How long an error counts as a failing sync in the header after it was reported. */
const FAILING_SYNC_WINDOW_MS = 60_000;

/** An immutable view of the cluster at one refresh tick: what the React tree renders. */
export interface Snapshot {
  readonly version: number;
  readonly at: number;
  readonly source: string;
  readonly synced: boolean;
  readonly connection: 'connecting' | 'connected' | 'error';
  readonly lastError?: string;
  readonly services: readonly Service[];
  readonly slicesByService: ReadonlyMap<string, readonly EndpointSlice[]>;
  /**
   * The Services (keys) whose slices changed since the snapshot `version - 1`, so a view can patch
   * the rows it built from that snapshot instead of visiting every Service. A change to a Service
   * itself gives a new `services` array instead.
   */
  readonly slicesChanged: ReadonlySet<string>;
  readonly endpoints: ReadonlyMap<string, Endpoints>;
  readonly pods: ReadonlyMap<string, Pod>;
  readonly ingresses: readonly Ingress[];
  readonly nodes: readonly Node[];
  /** Node agents' heartbeats and status (empty when the store has none, e.g. a Kubernetes mirror). */
  readonly agents: readonly NodeAgentStatus[];
  /** key ("Kind/ns/name") -> time of its last change, for highlighting changed rows. */
  readonly changedAt: ReadonlyMap<string, number>;
  readonly events: readonly DashboardEvent[];
  /** Age of the oldest change received and not yet on screen: 0 when the screen is up to date. */
  readonly watchLagMs: number;
  /** Milliseconds since the last change arrived (how long the data has been quiet). */
  readonly idleMs: number;
  /** The source's problems right now (manifest documents it could not apply). */
  readonly problems: readonly SourceProblem[];
  /** Errors reported in the last minute (store unreachable, writes refused, controllers failing). */
  readonly failingSyncs: number;
}

export interface ClusterModelOptions {
  /** The process's shared informers (the in-memory cluster's); without it, the model builds its own on `store`. */
  informers?: SharedInformerFactory;
  /** What the header says the data comes from (`demo`, `redis://...`, `manifests: ./dir`). */
  source: string;
  /** Time for change marks, lag, idle and the event log (default systemClock; tests pass a ManualClock). */
  clock?: Clock;
  /** How many events the log keeps. */
  eventLimit?: number;
  /** How often node agents' status is read (default 1000 ms). */
  agentPollMs?: number;
  /** The source's current problems, read at each snapshot (e.g. the manifest source's). */
  problems?: () => readonly SourceProblem[];
}

/**
 * Keeps the dashboard's data outside React: informers fill maps as events arrive, and `snapshot()`
 * copies them into an immutable Snapshot only when something changed since the last one. The UI
 * calls it on a refresh tick, so a burst of 1,000 events costs one re-render, not 1,000.
 */
export class ClusterModel {
  private readonly informers = new Map<WatchedKind, Informer<KubeObject>>();
  private readonly changedAt = new Map<string, number>();
  private readonly events: DashboardEvent[] = [];
  private readonly clock: Clock;
  private readonly eventLimit: number;
  private dirty = true;
  private version = 0;
  private last: Snapshot | undefined;
  private lastActivity: number;
  /** When the oldest change not yet in a snapshot arrived (undefined: the last snapshot has everything). */
  private pendingSince: number | undefined;
  private readonly knownProblems = new Set<string>();
  private lastError: string | undefined;
  private unsubscribers: Array<() => void> = [];
  private agents: NodeAgentStatus[] = [];
  // Indexes kept up to date per event, so a snapshot costs O(changes), not O(cluster).
  private readonly servicesByKey = new Map<string, Service>();
  private servicesSorted: Service[] | undefined = [];
  private readonly slicesBySvc = new Map<string, Map<string, EndpointSlice>>();
  private readonly sliceArrays = new Map<string, EndpointSlice[]>();
  private dirtySliceServices = new Set<string>();
  private readonly endpointsByKey = new Map<string, Endpoints>();
  private readonly podsByKey = new Map<string, Pod>();
  private agentPoll: TimerHandle | undefined;
  private ownFactory: SharedInformerFactory | undefined;

  constructor(
    private readonly store: Store,
    private readonly options: ClusterModelOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.eventLimit = options.eventLimit ?? 500;
    this.lastActivity = this.clock.now();
  }

  start(): void {
    if (!this.options.informers) this.ownFactory = new SharedInformerFactory(this.store);
    const informers = this.options.informers ?? this.ownFactory!;
    for (const kind of WATCHED_KINDS) {
      const informer = informers.informer(kind, {
        onError: (e) => this.recordError(kind, e),
      }) as unknown as Informer<KubeObject>;
      this.informers.set(kind, informer);
      this.unsubscribers.push(
        informer.on((e) => {
          this.index(kind, e.type, e.object);
          const key = `${kind}/${objectKey(e.object)}`;
          const at = this.clock.now();
          // A deleted object has no row left to mark: forgetting it keeps the map to the objects
          // that exist (Pods come and go by name; kept, every Pod name ever seen stayed here).
          if (e.type === 'DELETED') this.changedAt.delete(key);
          else this.changedAt.set(key, at);
          this.lastActivity = at;
          this.pendingSince ??= at;
          this.dirty = true;
          if (informer.hasSynced()) {
            const message =
              kind === 'EndpointSlice'
                ? describeSliceChange(e.type, e.object as EndpointSlice, e.type === 'MODIFIED' ? (e.old as EndpointSlice) : undefined)
                : `${kind} ${e.type.toLowerCase()}`;
            this.log({ at, kind, key: objectKey(e.object), type: e.type, message });
          }
        }),
      );
      void informer.synced.then(() => {
        this.dirty = true;
      });
    }
    // Agent heartbeats are store records without a watch: poll them.
    const registry = (this.store as Partial<NodeStatusStore>).nodeStatus;
    if (registry) {
      const poll = () =>
        registry.list().then(
          (list) => {
            if (JSON.stringify(list) !== JSON.stringify(this.agents)) {
              this.agents = list;
              this.dirty = true;
            }
          },
          (e: Error) => this.recordError('NodeAgentStatus', e),
        );
      // On the model's clock, so a ManualClock drives the polls too; systemClock's timers do not keep
      // the process alive (the old unref'd setInterval).
      const every = this.options.agentPollMs ?? 1000;
      const schedule = () => {
        this.agentPoll = this.clock.setTimeout(() => {
          schedule();
          void poll();
        }, every);
      };
      void poll();
      schedule();
    }
  }

  stop(): void {
    if (this.agentPoll !== undefined) this.clock.clearTimeout(this.agentPoll);
    this.agentPoll = undefined;
    for (const u of this.unsubscribers) u();
    for (const i of this.informers.values()) i.stop();
    this.ownFactory?.stop();
    this.ownFactory = undefined;
    this.unsubscribers = [];
    this.informers.clear();
  }

  /** True once every informer has listed. */
  get synced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced());
  }

  /** Milliseconds since the last change arrived, now (a snapshot's idleMs is as of when it was made). */
  get idleMs(): number {
    return Math.max(0, this.clock.now() - this.lastActivity);
  }

  /** Resolves when every informer has listed. */
  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.synced));
    this.dirty = true;
  }

  list<K extends WatchedKind>(kind: K): ObjectOfKind[K][] {
    return (this.informers.get(kind)?.list() ?? []) as ObjectOfKind[K][];
  }

  recordError(kind: string, e: Error): void {
    this.lastError = `${kind}: ${e.message}`;
    this.log({ at: this.clock.now(), kind, key: '', type: 'ERROR', message: e.message });
    this.dirty = true;
  }

  /** New source problems go to the event log once each (the header counts the current ones). */
  private noteProblems(problems: readonly SourceProblem[], at: number): void {
    const current = new Set<string>();
    for (const p of problems) {
      const id = `${p.where}\n${p.message}`;
      current.add(id);
      if (!this.knownProblems.has(id)) this.log({ at, kind: 'Manifest', key: p.where, type: 'PROBLEM', message: p.message });
    }
    this.knownProblems.clear();
    for (const id of current) this.knownProblems.add(id);
  }

  /** The current snapshot: the same object as last time when nothing changed. */
  snapshot(): Snapshot {
    const at = this.clock.now();
    const problems = this.options.problems?.() ?? [];
    if (problems.length !== this.knownProblems.size || problems.some((p) => !this.knownProblems.has(`${p.where}\n${p.message}`))) this.noteProblems(problems, at);
    if (!this.dirty && this.last) return this.last;
    this.dirty = false;
    if (!this.servicesSorted) this.servicesSorted = sortByKey([...this.servicesByKey.values()]);
    // A service whose slices changed gets a new array (so per-service caches see the change).
    for (const svcKey of this.dirtySliceServices) {
      const m = this.slicesBySvc.get(svcKey);
      if (m && m.size) this.sliceArrays.set(svcKey, [...m.values()]);
      else this.sliceArrays.delete(svcKey);
    }
    const slicesChanged = this.dirtySliceServices;
    this.dirtySliceServices = new Set();
    const synced = this.synced;
    this.last = {
      version: ++this.version,
      at,
      source: this.options.source,
      synced,
      connection: this.lastError && !synced ? 'error' : synced ? 'connected' : 'connecting',
      lastError: this.lastError,
      services: this.servicesSorted,
      slicesByService: this.sliceArrays,
      slicesChanged,
      endpoints: this.endpointsByKey,
      pods: this.podsByKey,
      ingresses: sortByKey(this.list('Ingress')),
      nodes: sortByKey(this.list('Node')),
      agents: this.agents,
      changedAt: this.changedAt,
      events: this.events.slice(),
      watchLagMs: this.pendingSince === undefined ? 0 : Math.max(0, at - this.pendingSince),
      idleMs: Math.max(0, at - this.lastActivity),
      problems,
      failingSyncs: this.events.filter((e) => e.type === 'ERROR' && at - e.at < FAILING_SYNC_WINDOW_MS).length,
    };
    this.pendingSince = undefined;
    return this.last;
  }

  private index(kind: WatchedKind, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void {
    const key = objectKey(obj);
    const del = type === 'DELETED';
    switch (kind) {
      case 'Service':
        if (del) this.servicesByKey.delete(key);
        else this.servicesByKey.set(key, obj as Service);
        this.servicesSorted = undefined;
        return;
      case 'EndpointSlice': {
        const slice = obj as EndpointSlice;
        const svcKey = sliceServiceKey(slice);
        if (!svcKey) return;
        let m = this.slicesBySvc.get(svcKey);
        if (!m) this.slicesBySvc.set(svcKey, (m = new Map()));
        if (del) m.delete(key);
        else m.set(key, slice);
        if (!m.size) this.slicesBySvc.delete(svcKey);
        this.dirtySliceServices.add(svcKey);
        return;
      }
      case 'Endpoints':
        if (del) this.endpointsByKey.delete(key);
        else this.endpointsByKey.set(key, obj as Endpoints);
        return;
      case 'Pod':
        if (del) this.podsByKey.delete(key);
        else this.podsByKey.set(key, obj as Pod);
        return;
      default:
        return;
    }
  }

  /** Forces the next snapshot() to rebuild (e.g. on a clock tick for AGE columns). */
  touch(): void {
    this.dirty = true;
  }

  private log(e: DashboardEvent): void {
    this.events.push(e);
    if (this.events.length > this.eventLimit) this.events.splice(0, this.events.length - this.eventLimit);
    this.dirty = true;
  }
}

function sortByKey<T extends KubeObject>(items: T[]): T[] {
  return items
    .map((o) => [objectKey(o), o] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, o]) => o);
}
