import type { Endpoints, EndpointSlice, Ingress, Kind, KubeObject, Node, ObjectOfKind, Pod, Service } from '@svcnet/model';
import { objectKey } from '@svcnet/model';
import { listAndWatch, type Informer, type NodeAgentStatus, type NodeStatusStore, type Store } from '@svcnet/store';

/** The kinds the dashboard shows; each gets one informer. */
export const WATCHED_KINDS = ['Service', 'EndpointSlice', 'Endpoints', 'Pod', 'Ingress', 'Node'] as const;
export type WatchedKind = (typeof WATCHED_KINDS)[number];

export interface DashboardEvent {
  at: number;
  kind: string;
  key: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'ERROR';
  message: string;
}

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
  readonly endpoints: ReadonlyMap<string, Endpoints>;
  readonly pods: ReadonlyMap<string, Pod>;
  readonly ingresses: readonly Ingress[];
  readonly nodes: readonly Node[];
  /** Node agents' heartbeats and status (empty when the store has none, e.g. a Kubernetes mirror). */
  readonly agents: readonly NodeAgentStatus[];
  /** key ("Kind/ns/name") -> time of its last change, for highlighting changed rows. */
  readonly changedAt: ReadonlyMap<string, number>;
  readonly events: readonly DashboardEvent[];
  /** Milliseconds since the last event or bookmark of the slowest informer. */
  readonly watchLagMs: number;
}

export interface ClusterModelOptions {
  /** What the header says the data comes from (`demo`, `redis://...`, `manifests: ./dir`). */
  source: string;
  now?: () => number;
  /** How many events the log keeps. */
  eventLimit?: number;
  /** How often node agents' status is read (default 1000 ms). */
  agentPollMs?: number;
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
  private readonly now: () => number;
  private readonly eventLimit: number;
  private dirty = true;
  private version = 0;
  private last: Snapshot | undefined;
  private lastActivity: number;
  private lastError: string | undefined;
  private unsubscribers: Array<() => void> = [];
  private agents: NodeAgentStatus[] = [];
  // Indexes kept up to date per event, so a snapshot costs O(changes), not O(cluster).
  private readonly servicesByKey = new Map<string, Service>();
  private servicesSorted: Service[] | undefined = [];
  private readonly slicesBySvc = new Map<string, Map<string, EndpointSlice>>();
  private readonly sliceArrays = new Map<string, EndpointSlice[]>();
  private readonly dirtySliceServices = new Set<string>();
  private readonly endpointsByKey = new Map<string, Endpoints>();
  private readonly podsByKey = new Map<string, Pod>();
  private agentPoll: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly options: ClusterModelOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.eventLimit = options.eventLimit ?? 500;
    this.lastActivity = this.now();
  }

  start(): void {
    for (const kind of WATCHED_KINDS) {
      const informer = listAndWatch(this.store, kind, {
        onError: (e) => this.recordError(kind, e),
      }) as unknown as Informer<KubeObject>;
      this.informers.set(kind, informer);
      this.unsubscribers.push(
        informer.on((e) => {
          this.index(kind, e.type, e.object);
          const key = `${kind}/${objectKey(e.object)}`;
          const at = this.now();
          this.changedAt.set(key, at);
          this.lastActivity = at;
          this.dirty = true;
          if (informer.hasSynced()) this.log({ at, kind, key: objectKey(e.object), type: e.type, message: describeChange(kind, e.type) });
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
      void poll();
      this.agentPoll = setInterval(poll, this.options.agentPollMs ?? 1000);
      this.agentPoll.unref();
    }
  }

  stop(): void {
    if (this.agentPoll) clearInterval(this.agentPoll);
    for (const u of this.unsubscribers) u();
    for (const i of this.informers.values()) i.stop();
    this.unsubscribers = [];
    this.informers.clear();
  }

  /** True once every informer has listed. */
  get synced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced());
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
    this.log({ at: this.now(), kind, key: '', type: 'ERROR', message: e.message });
    this.dirty = true;
  }

  /** The current snapshot: the same object as last time when nothing changed. */
  snapshot(): Snapshot {
    const at = this.now();
    if (!this.dirty && this.last) return this.last;
    this.dirty = false;
    if (!this.servicesSorted) this.servicesSorted = sortByKey([...this.servicesByKey.values()]);
    // A service whose slices changed gets a new array (so per-service caches see the change).
    for (const svcKey of this.dirtySliceServices) {
      const m = this.slicesBySvc.get(svcKey);
      if (m && m.size) this.sliceArrays.set(svcKey, [...m.values()]);
      else this.sliceArrays.delete(svcKey);
    }
    this.dirtySliceServices.clear();
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
      endpoints: this.endpointsByKey,
      pods: this.podsByKey,
      ingresses: sortByKey(this.list('Ingress')),
      nodes: sortByKey(this.list('Node')),
      agents: this.agents,
      changedAt: this.changedAt,
      events: this.events.slice(),
      watchLagMs: Math.max(0, at - this.lastActivity),
    };
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
        const svc = slice.metadata?.labels?.['kubernetes.io/service-name'];
        if (!svc) return;
        const svcKey = `${slice.metadata?.namespace ?? 'default'}/${svc}`;
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

function describeChange(kind: Kind | string, type: string): string {
  return `${kind} ${type.toLowerCase()}`;
}

function sortByKey<T extends KubeObject>(items: T[]): T[] {
  return items
    .map((o) => [objectKey(o), o] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, o]) => o);
}
