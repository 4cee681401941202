import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Kind, KubeObject, ObjectOfKind, Service } from '@svcnet/model';
import type { AllocatorConfig, Allocations } from './admission.js';
import { deepFreeze } from './deepFreeze.js';
import { StoredShapes, flatString } from './storedShapes.js';
import { systemClock, type Clock } from './clock.js';
import { alreadyExistsError, conflictError, expiredError, notFoundError } from './errors.js';
import { labelMatcher } from './labelSelector.js';
import { KindState, type StoredEvent } from './memoryHistory.js';
import { MemoryLeases } from './memoryLeases.js';
import { MemoryNodeStatus } from './memoryNodeStatus.js';
import { copyJSON, keyOfObject, prepareWrite, revisionOf, storeKey, withRevision, type WriteOp } from './objectWrites.js';
import { planServiceAllocation, planServiceRelease, planTrusted } from './serviceAllocation.js';
import type {
  ApplyResult,
  BatchOp,
  BatchResult,
  DeleteOptions,
  ListOptions,
  ListResult,
  NodeStatusStore,
  Store,
  WatchEvent,
  WatchOptions,
  WriteOptions,
} from './types.js';
import { Waker } from './waker.js';

export interface MemoryStoreOptions {
  /** Service ClusterIP ranges (the API server's --service-cluster-ip-range); default ['10.96.0.0/12']. */
  serviceCIDRs?: string[];
  /** NodePort range (--service-node-port-range); default '30000-32767'. */
  nodePortRange?: string;
  /** Watch events kept per kind; older revisions answer Expired. Default 10000. */
  historyLimit?: number;
  /** Time for creationTimestamp, leases and node heartbeats (default systemClock; tests pass a ManualClock). */
  clock?: Clock;
  /** Picks ClusterIPs and NodePorts (default Math.random); seed it for reproducible allocations. */
  random?: () => number;
  /**
   * A reader's store (what `svcnet render` runs on): ClusterIPs and NodePorts that objects already
   * carry are taken as they are even outside the ranges, since some cluster allocated them; only
   * addresses still to pick come from the ranges. Default false: refused, as the API server does.
   */
  keepRequestedAddresses?: boolean;
  /** metadata.uid of new objects (default crypto.randomUUID); give a seeded one for reproducible output. */
  newUid?: () => string;
  /**
   * Test/debug aid, off by default (it costs a walk of every stored object): deep-freeze every
   * object the store keeps, so a holder of a shared one (an `immutable` write's result or argument,
   * a `shared` list or watch item) that mutates it in place throws a TypeError.
   */
  freezeObjects?: boolean;
}

const clone = copyJSON;

/**
 * The embedded store: one process, same semantics as RedisStore (revisions per kind, Expired for
 * trimmed history, leases with fencing, allocation). Every method runs its check-and-write within one
 * turn of the event loop, which is what makes it atomic.
 */
export class MemoryStore implements Store, NodeStatusStore {
  readonly description = 'memory';
  readonly leases: MemoryLeases;
  readonly nodeStatus: MemoryNodeStatus;
  private readonly kinds = new Map<Kind, KindState>();
  private readonly usedIPs = new Set<string>();
  private readonly usedNodePorts = new Set<number>();
  private readonly allocator: AllocatorConfig;
  private readonly historyLimit: number;
  private readonly clock: Clock;
  private readonly newUid: () => string;
  private readonly closing = new AbortController();
  private readonly keep: <T>(stored: T) => T;
  private readonly shapes = new StoredShapes();

  constructor(options: MemoryStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    // Flat: Node's randomUUID returns a rope of ~15 nodes (~480 bytes), kept for the object's life (storedShapes.ts).
    this.newUid = options.newUid ?? (() => flatString(randomUUID()));
    this.historyLimit = Math.max(1, options.historyLimit ?? 10_000);
    this.keep = options.freezeObjects ? deepFreeze : (o) => o;
    this.allocator = {
      serviceCIDRs: options.serviceCIDRs ?? ['10.96.0.0/12'],
      nodePortRange: options.nodePortRange ?? '30000-32767',
      random: options.random ?? Math.random,
      keepRequested: options.keepRequestedAddresses ?? false,
    };
    // Every watch listens on the store's closing signal; there may be many.
    setMaxListeners(0, this.closing.signal);
    this.leases = new MemoryLeases(this.clock);
    this.nodeStatus = new MemoryNodeStatus(this.clock);
  }

  private state(kind: Kind): KindState {
    let s = this.kinds.get(kind);
    if (!s) this.kinds.set(kind, (s = new KindState(this.historyLimit)));
    return s;
  }

  async get<K extends Kind>(kind: K, namespace: string | undefined, name: string): Promise<ObjectOfKind[K] | undefined> {
    const obj = this.state(kind).objects.get(storeKey(kind, namespace, name));
    return obj ? (clone(obj) as ObjectOfKind[K]) : undefined;
  }

  async list<K extends Kind>(kind: K, options: ListOptions = {}): Promise<ListResult<ObjectOfKind[K]>> {
    const s = this.state(kind);
    const match = labelMatcher(options.labelSelector);
    const items: ObjectOfKind[K][] = [];
    const copy = options.shared ? (o: KubeObject) => o : clone;
    for (const obj of s.objects.values()) {
      if (options.namespace && obj.metadata?.namespace !== options.namespace) continue;
      if (!match(obj.metadata?.labels)) continue;
      items.push(copy(obj) as ObjectOfKind[K]);
    }
    return { items, revision: s.revision };
  }

  create<K extends Kind>(object: ObjectOfKind[K] & { kind: K }, options?: WriteOptions): Promise<ObjectOfKind[K]> {
    return this.write<K>('create', object, options).then((r) => r.object);
  }

  update<K extends Kind>(object: ObjectOfKind[K] & { kind: K }, options?: WriteOptions): Promise<ObjectOfKind[K]> {
    return this.write<K>('update', object, options).then((r) => r.object);
  }

  updateStatus<K extends Kind>(object: ObjectOfKind[K] & { kind: K }, options?: WriteOptions): Promise<ObjectOfKind[K]> {
    return this.write<K>('updateStatus', object, options).then((r) => r.object);
  }

  apply<K extends Kind>(object: ObjectOfKind[K] & { kind: K }, options?: WriteOptions): Promise<ApplyResult<ObjectOfKind[K]>> {
    return this.write<K>('apply', object, options);
  }

  private async write<K extends Kind>(op: WriteOp, object: ObjectOfKind[K] & { kind: K }, options: WriteOptions = {}): Promise<ApplyResult<ObjectOfKind[K]>> {
    const kind: Kind = object.kind;
    const s = this.state(kind);
    const key = keyOfObject(kind, object);
    const old = s.objects.get(key);
    if (op === 'create' && old) throw alreadyExistsError(kind, key);
    if ((op === 'update' || op === 'updateStatus') && !old) throw notFoundError(kind, key);
    const expected = object.metadata?.resourceVersion;
    if (expected && old && op !== 'apply' && expected !== old.metadata?.resourceVersion) throw conflictError(kind, key);
    const trusted = options.trusted ?? false;
    const immutable = options.immutable ?? false;
    const prepared = prepareWrite({ kind, op, incoming: object as KubeObject, old, trusted, immutable, now: this.clock.now(), newUid: this.newUid, allocator: this.allocator });
    // Stored objects are never mutated once stored (a write stores a new object), so an immutable
    // writer may hold the stored object itself.
    const result = immutable ? (o: KubeObject) => o : clone;
    if (prepared.action === 'unchanged') return { object: result(old!) as ObjectOfKind[K], action: 'unchanged' };
    this.leases.check(options.fence);
    let next = prepared.object;
    if (kind === 'Service' && op !== 'updateStatus') {
      const used = { ips: this.usedIPs, nodePorts: this.usedNodePorts };
      const plan = trusted ? planTrusted(next as Service, old as Service | undefined) : planServiceAllocation(next as Service, old as Service | undefined, used, this.allocator);
      next = plan.service;
      this.book(plan.release, plan.claim);
    }
    // The write's own copy is made small before it is kept; an immutable trusted write's nested
    // values are its writer's, so they are kept as given (storedShapes.ts).
    if (!(trusted && immutable)) next = this.shapes.compact(next);
    const revision = ++s.revision;
    this.keep(withRevision(next, revision));
    s.objects.set(key, next);
    s.append({ type: old ? 'MODIFIED' : 'ADDED', object: next, revision });
    return { object: result(next) as ObjectOfKind[K], action: old ? 'updated' : 'created' };
  }

  private book(release: Allocations, claim: Allocations): void {
    for (const ip of release.ips) this.usedIPs.delete(ip);
    for (const p of release.nodePorts) this.usedNodePorts.delete(p);
    for (const ip of claim.ips) this.usedIPs.add(ip);
    for (const p of claim.nodePorts) this.usedNodePorts.add(p);
  }

  async delete<K extends Kind>(kind: K, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<ObjectOfKind[K]> {
    const s = this.state(kind);
    const key = storeKey(kind, namespace, name);
    const old = s.objects.get(key);
    if (!old) throw notFoundError(kind, key);
    if (options.expectedRevision !== undefined && options.expectedRevision !== revisionOf(old)) throw conflictError(kind, key);
    this.leases.check(options.fence);
    if (kind === 'Service') this.book(planServiceRelease(old as Service), { ips: [], nodePorts: [] });
    const revision = ++s.revision;
    const last = this.keep(withRevision(clone(old), revision));
    s.objects.delete(key);
    s.append({ type: 'DELETED', object: last, revision });
    return clone(last) as ObjectOfKind[K];
  }

  /** Each op as its single call, in order (each is atomic on its own, as every MemoryStore write). */
  async batch(ops: readonly BatchOp[], options: WriteOptions = {}): Promise<BatchResult[]> {
    const out: BatchResult[] = [];
    for (const op of ops) {
      try {
        if (op.op === 'delete') {
          const { expectedRevision } = op;
          const object = await this.delete(op.kind, op.namespace, op.name, { ...options, ...(expectedRevision !== undefined ? { expectedRevision } : {}) });
          out.push({ ok: true, action: 'deleted', object });
        } else {
          const r = await this.write(op.op, op.object, options);
          out.push({ ok: true, action: r.action, object: r.object });
        }
      } catch (e) {
        out.push({ ok: false, error: e as Error });
      }
    }
    return out;
  }

  async *watch<K extends Kind>(kind: K, options: WatchOptions): AsyncIterable<WatchEvent<ObjectOfKind[K]>> {
    const s = this.state(kind);
    const interval = options.bookmarkIntervalMs ?? 1000;
    let cursor = options.fromRevision;
    const copy = options.shared ? (o: KubeObject) => o : clone;
    if (cursor > s.revision) throw expiredError(kind, cursor, s.oldest);
    const waker = new Waker(s.listeners, interval, [options.signal, this.closing.signal]);
    try {
      while (!this.closing.signal.aborted && !options.signal?.aborted) {
        if (cursor < s.revision) {
          if (s.oldest > cursor + 1) throw expiredError(kind, cursor, s.oldest);
          const e: StoredEvent = s.at(cursor + 1);
          cursor = e.revision;
          yield { type: e.type, object: copy(e.object) as ObjectOfKind[K], revision: e.revision };
          continue;
        }
        const woke = await waker.wait();
        if (woke === 'timeout') yield { type: 'BOOKMARK', revision: s.revision };
      }
    } finally {
      waker.close();
    }
  }

  /** Forgets history through `revision` so older watches answer Expired (as etcd compaction). */
  compact(kind: Kind, revision: number): void {
    this.state(kind).trimThrough(revision);
  }

  async close(): Promise<void> {
    this.closing.abort();
  }
}
