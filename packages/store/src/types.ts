import type { Kind, KubeObject, LabelSelector, ObjectOfKind } from '@svcnet/model';

/**
 * The contract every store implements (MemoryStore, RedisStore), modelled on the Kubernetes API
 * server: revisioned objects, list + watch that resumes, compare-and-set, leases.
 *
 * Revisions count per kind: every write to a kind bumps that kind's counter, and the object's
 * `metadata.resourceVersion` is that revision as a decimal string. A watch of a kind sees every
 * write to it in revision order, with no gap and no duplicate.
 */
export interface Store {
  /** Which implementation and where, for status lines (`memory`, `redis://host:6379/0`). */
  readonly description: string;

  get<K extends Kind>(kind: K, namespace: string | undefined, name: string): Promise<ObjectOfKind[K] | undefined>;
  list<K extends Kind>(kind: K, options?: ListOptions): Promise<ListResult<ObjectOfKind[K]>>;

  /** Defaults, validates (throws InvalidObjectError), allocates (Service), stores. AlreadyExists if present. */
  create<K extends Kind>(object: ObjectOfKind[K] & { kind: K }, options?: WriteOptions): Promise<ObjectOfKind[K]>;
  /**
   * Replaces spec/metadata (never status, as the API's main resource). Conflict when
   * `metadata.resourceVersion` is set and is not the stored one; NotFound if absent.
   */
  update<K extends Kind>(object: ObjectOfKind[K] & { kind: K }, options?: WriteOptions): Promise<ObjectOfKind[K]>;
  /** The status subresource: replaces only `status`, same Conflict rule. */
  updateStatus<K extends Kind>(object: ObjectOfKind[K] & { kind: K }, options?: WriteOptions): Promise<ObjectOfKind[K]>;
  /** Create or update (spec and status), ignoring resourceVersion: what `kubectl apply` and sources use. */
  apply<K extends Kind>(object: ObjectOfKind[K] & { kind: K }, options?: WriteOptions): Promise<ApplyResult<ObjectOfKind[K]>>;
  /** Deletes and returns the last state; NotFound if absent. `expectedRevision` for a conditional delete. */
  delete<K extends Kind>(kind: K, namespace: string | undefined, name: string, options?: DeleteOptions): Promise<ObjectOfKind[K]>;

  /**
   * Many writes in one call, for controllers that write in bulk: each op is decided on its own, with
   * its own compare-and-set (an update's `metadata.resourceVersion`, a delete's `expectedRevision`)
   * and the same rules as the single call of that name; one op's Conflict, NotFound or refusal does
   * not stop the others. Results come in the order of `ops`; ops on the same object apply in that
   * order. `options` (fence, trusted, immutable) hold for every op; a lost fence fails them all.
   * RedisStore sends the ops of one kind as one script call per chunk (`batchLimits`), all chunks in
   * one pipeline; Services, which allocate addresses, go one by one.
   */
  batch(ops: readonly BatchOp[], options?: WriteOptions): Promise<BatchResult[]>;

  /**
   * Events after `fromRevision` (exclusive) in order; ends when the signal aborts or the store closes.
   * Throws ExpiredError (code 'Expired', the 410 Gone) when history since that revision is no longer
   * kept; the caller relists (see listAndWatch). Emits BOOKMARK events while idle.
   */
  watch<K extends Kind>(kind: K, options: WatchOptions): AsyncIterable<WatchEvent<ObjectOfKind[K]>>;

  /** Leader election with fencing tokens. */
  readonly leases: LeaseManager;

  close(): Promise<void>;
}

export interface ListOptions {
  namespace?: string;
  /** A map (Service-style selector), a LabelSelector, or kubectl's `-l` string form. */
  labelSelector?: Record<string, string> | LabelSelector | string;
  /** See WatchOptions.shared. */
  shared?: boolean;
}

export interface ListResult<T> {
  items: T[];
  /** The kind's revision at which this list is consistent: watch from here. */
  revision: number;
}

export interface WriteOptions {
  /** A lease held by the writer: the write is rejected (FencedError) if the lease was lost. */
  fence?: Fence;
  /**
   * Skip admission (defaults and validation): only for sources mirroring objects a real API server
   * already validated, and for the endpoints reconciler's own Endpoints/EndpointSlices (built only
   * from validated Services and Pods; its tests validate every object it builds).
   */
  trusted?: boolean;
  /**
   * Zero-copy write, for a writer that built `object` itself and treats it as immutable from now on
   * (the endpoints reconciler): with `trusted`, the store keeps the object's nested values as given
   * (it copies only the top level and `metadata`, which it stamps) instead of deep-copying it, and the
   * result is the stored object itself, not a copy. The caller must never mutate what it passed nor
   * what it got back. MemoryStore stores and returns that object; RedisStore stores its
   * serialization but returns it too (so its result also shares the caller's nested values).
   */
  immutable?: boolean;
}

/** An object of any kind, its `kind` set (what `batch` and the single writes take). */
export type ObjectWithKind = { [K in Kind]: ObjectOfKind[K] & { kind: K } }[Kind];

/** One write of a batch: `create`, `update`, `updateStatus` and `apply` as the single calls; `delete` by key. */
export type BatchOp =
  | { op: 'create' | 'update' | 'updateStatus' | 'apply'; object: ObjectWithKind }
  | { op: 'delete'; kind: Kind; namespace?: string; name: string; expectedRevision?: number };

/**
 * One op's outcome. `error` is what the single call would have thrown: a StoreError (Conflict,
 * NotFound, AlreadyExists, Fenced, Unavailable, Timeout) or InvalidObjectError. `object` is what the
 * single call returns (for a delete, the last state with the deletion revision).
 */
export type BatchResult =
  | { ok: true; action: 'created' | 'updated' | 'unchanged' | 'deleted'; object: KubeObject }
  | { ok: false; error: Error };

export interface DeleteOptions extends WriteOptions {
  expectedRevision?: number;
}

export interface ApplyResult<T> {
  object: T;
  action: 'created' | 'updated' | 'unchanged';
}

export interface WatchOptions {
  /** Revision to resume after (exclusive); a list's `revision`, or 0 for the whole kept history. */
  fromRevision: number;
  signal?: AbortSignal;
  /** How often an idle watch emits a BOOKMARK with the current revision (default 1000 ms). */
  bookmarkIntervalMs?: number;
  /**
   * The store may hand out its own stored objects instead of copies (MemoryStore does; RedisStore
   * decodes fresh ones anyway). For readers that never mutate what they get, such as informer caches
   * (whose objects are shared already): it saves a deep copy per object per reader.
   */
  shared?: boolean;
}

export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T; revision: number }
  | { type: 'BOOKMARK'; revision: number };

/** A fence names a lease and the token its holder got; writes under it check both. */
export interface Fence {
  lease: string;
  token: number;
}

export interface Lease {
  name: string;
  holder: string;
  /** Strictly increasing per lease name, across holders: the fencing token. */
  token: number;
  /** Epoch milliseconds at which the lease lapses unless renewed. */
  expiresAt: number;
}

export interface LeaseManager {
  /** Takes the lease if free or lapsed (or already ours); undefined while another holds it. */
  acquire(name: string, holder: string, ttlMs: number): Promise<Lease | undefined>;
  /** Extends our lease; undefined if we lost it (then stop acting as leader at once). */
  renew(lease: Lease, ttlMs: number): Promise<Lease | undefined>;
  release(lease: Lease): Promise<void>;
  get(name: string): Promise<Lease | undefined>;
}

/**
 * Node agent liveness: a store-level record (not a Kubernetes kind) that each svcnet-agent writes
 * periodically; the leader reads `lastSeen` and marks silent nodes NotReady (see `silentNodes`).
 */
export interface NodeAgentStatus {
  node: string;
  /** Epoch ms of the last heartbeat, from the store's clock (Redis: the server's TIME). */
  lastSeen: number;
  ready: boolean;
  /** Free-form facts the agent reports: version, proxy mode, last error. */
  agent?: string;
  proxyMode?: string;
  message?: string;
}

export type HeartbeatStatus = Partial<Omit<NodeAgentStatus, 'node' | 'lastSeen'>>;

export interface NodeStatusRegistry {
  /** Records that `node`'s agent is alive now (ready defaults to true). */
  heartbeat(node: string, status?: HeartbeatStatus): Promise<NodeAgentStatus>;
  get(node: string): Promise<NodeAgentStatus | undefined>;
  list(): Promise<NodeAgentStatus[]>;
  remove(node: string): Promise<void>;
}

/** Both stores implement this beside Store: `openStore()` returns `Store & NodeStatusStore`. */
export interface NodeStatusStore {
  readonly nodeStatus: NodeStatusRegistry;
}
