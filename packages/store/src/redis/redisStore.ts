import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Kind, KubeObject, ObjectOfKind, Service } from '@svcnet/model';
import { allocationsOf, type AllocatorConfig, type Allocations } from '../admission.js';
import { StoreError, alreadyExistsError, conflictError, fencedError, notFoundError } from '../errors.js';
import { labelMatcher } from '../labelSelector.js';
import { keyOfObject, prepareWrite, revisionOf, storeKey, withRevision, type WriteOp } from '../objectWrites.js';
import { planServiceAllocation, planTrusted, type AllocationPlan } from '../serviceAllocation.js';
import type { ApplyResult, DeleteOptions, ListOptions, ListResult, NodeStatusStore, Store, WatchEvent, WatchOptions, WriteOptions } from '../types.js';
import { AllocationBook } from './allocationBook.js';
import { connect, connectionProblem, describeConnection, isCluster, isRefusal, redisAddress, type RedisClient, type RedisConnectionOptions } from './connection.js';
import { kindKeys, leaseKey, type KindKeys } from './keys.js';
import { decodeObject, encodeWithRevisionSlot, stderrLogger, type StoreLogger } from './objectCodec.js';
import { RedisLeases } from './redisLeases.js';
import { RedisNodeStatus } from './redisNodeStatus.js';
import { redisWatch } from './redisWatch.js';
import { WRITE } from './scripts.js';

export interface RedisStoreOptions extends RedisConnectionOptions {
  serviceCIDRs?: string[];
  nodePortRange?: string;
  /** Stream entries kept per kind (XADD MAXLEN ~ N): older revisions answer Expired. Default 10000. */
  historyLimit?: number;
  /** Clock for creationTimestamp (lease and heartbeat times come from the Redis server). */
  now?: () => number;
  random?: () => number;
  /** Prepended to every key (before the hash tag), to share one Redis between stores. */
  keyPrefix?: string;
  logger?: StoreLogger;
  /** Re-reads after losing a race (another writer in between, an allocation taken). Default 32. */
  maxRetries?: number;
}

interface ListedIdentity {
  revision: number;
  uid: string;
  runId: string;
}

type WriteReply = [string, string?, string?];
type Scripted = RedisClient & {
  svcnetWrite(...args: (string | number)[]): Promise<WriteReply>;
};

const NONE: Allocations = { ips: [], nodePorts: [] };

/**
 * The shared store on Redis: one hash tag per kind, one Lua script per write (fence, expected
 * revision, allocation claims, revision bump, object, stream entry), watch by XREAD BLOCK on a
 * dedicated connection. See docs/decisions/001-store-one-stream-per-kind.md.
 */
export class RedisStore implements Store, NodeStatusStore {
  readonly description: string;
  readonly redis: RedisClient;
  readonly leases: RedisLeases;
  readonly nodeStatus: RedisNodeStatus;
  private readonly allocator: AllocatorConfig;
  private readonly historyLimit: number;
  private readonly now: () => number;
  private readonly prefix: string;
  private readonly logger: StoreLogger;
  private readonly maxRetries: number;
  private readonly uidCandidate = randomUUID();
  private readonly closing = new AbortController();
  private readonly keyCache = new Map<Kind, KindKeys>();
  private book: AllocationBook | undefined;
  /** What the last list of each kind saw, so a watch from that list's revision can tell a restart in between. */
  private readonly listed = new Map<Kind, ListedIdentity>();
  private down = false;

  constructor(private readonly options: RedisStoreOptions = {}) {
    this.description = describeConnection(options);
    this.allocator = {
      serviceCIDRs: options.serviceCIDRs ?? ['10.96.0.0/12'],
      nodePortRange: options.nodePortRange ?? '30000-32767',
      random: options.random ?? Math.random,
    };
    this.historyLimit = Math.max(1, options.historyLimit ?? 10_000);
    this.now = options.now ?? Date.now;
    this.prefix = options.keyPrefix ?? '';
    this.logger = options.logger ?? stderrLogger;
    this.maxRetries = options.maxRetries ?? 32;
    // Every watch listens on the store's closing signal; there may be many.
    setMaxListeners(0, this.closing.signal);
    this.redis = connect(options);
    this.redis.on('error', (e: Error) => {
      if (!this.down) this.logger.warn({ store: this.description, err: e.message }, 'store: redis connection error; reconnecting');
      this.down = true;
    });
    this.redis.on('ready', () => (this.down = false));
    this.redis.defineCommand('svcnetWrite', { numberOfKeys: 8, lua: WRITE });
    const guard = <T>(p: Promise<T>) => this.guard(p);
    this.leases = new RedisLeases(this.redis, guard, this.prefix);
    this.nodeStatus = new RedisNodeStatus(this.redis, guard, this.logger, this.prefix);
  }

  private get scripted(): Scripted {
    return this.redis as Scripted;
  }

  private serverInfo(): Promise<string> {
    return isCluster(this.redis) ? Promise.resolve('') : this.redis.info('server');
  }

  private keys(kind: Kind): KindKeys {
    let k = this.keyCache.get(kind);
    if (!k) this.keyCache.set(kind, (k = kindKeys(kind, this.prefix)));
    return k;
  }

  /** Connection failures become StoreError('Unavailable'); Redis' own replies pass through. */
  private async guard<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (e) {
      const err = e as Error;
      if (err instanceof StoreError || err.name === 'ReplyError') throw err;
      throw new StoreError('Unavailable', `store ${this.description} is unavailable: ${err.message}; check that redis-server is running and reachable`);
    }
  }

  async get<K extends Kind>(kind: K, namespace: string | undefined, name: string): Promise<ObjectOfKind[K] | undefined> {
    return (await this.read(kind, storeKey(kind, namespace, name))) as ObjectOfKind[K] | undefined;
  }

  private async read(kind: Kind, key: string): Promise<KubeObject | undefined> {
    const keys = this.keys(kind);
    const text = await this.guard(this.redis.hget(keys.objs, key));
    return text === null ? undefined : decodeObject(kind, text, this.logger, `${keys.objs} ${key}`);
  }

  async list<K extends Kind>(kind: K, options: ListOptions = {}): Promise<ListResult<ObjectOfKind[K]>> {
    const keys = this.keys(kind);
    // One MULTI (no Lua: copying 10,000 values through a script table costs more than the read).
    // INFO rides the same connection right after it: a restart between them breaks both.
    const tx = this.redis.multi().set(keys.uid, this.uidCandidate, 'NX').get(keys.rev).get(keys.uid).hvals(keys.objs);
    const [results, info] = await this.guard(Promise.all([tx.exec(), this.serverInfo()]));
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw new StoreError('Unavailable', `store ${this.description}: list of ${kind} failed: ${failed?.[0]?.message ?? 'transaction aborted'}`);
    const revision = Number(results[1]![1] ?? 0);
    const values = results[3]![1] as string[];
    this.listed.set(kind, { revision, uid: String(results[2]![1] ?? ''), runId: /run_id:(\w+)/.exec(info)?.[1] ?? '' });
    const match = labelMatcher(options.labelSelector);
    const items: ObjectOfKind[K][] = [];
    for (const text of values) {
      const obj = decodeObject(kind, text, this.logger, keys.objs);
      if (!obj) continue;
      if (options.namespace && obj.metadata?.namespace !== options.namespace) continue;
      if (!match(obj.metadata?.labels)) continue;
      items.push(obj as ObjectOfKind[K]);
    }
    return { items, revision };
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

  private allocationBook(): AllocationBook {
    return (this.book ??= new AllocationBook(this.redis, this.keys('Service')));
  }

  private async write<K extends Kind>(op: WriteOp, object: ObjectOfKind[K] & { kind: K }, options: WriteOptions = {}): Promise<ApplyResult<ObjectOfKind[K]>> {
    const kind: Kind = object.kind;
    const key = keyOfObject(kind, object);
    const userRV = op === 'apply' ? undefined : object.metadata?.resourceVersion;
    const trusted = options.trusted ?? false;
    for (let attempt = 0; attempt <= this.maxRetries; attempt++) {
      const old = op === 'create' ? undefined : await this.read(kind, key);
      if ((op === 'update' || op === 'updateStatus') && !old) throw notFoundError(kind, key);
      if (userRV && old && userRV !== old.metadata?.resourceVersion) throw conflictError(kind, key);
      const prepared = prepareWrite({ kind, op, incoming: object as KubeObject, old, trusted, immutable: options.immutable ?? false, now: this.now(), newUid: randomUUID, allocator: this.allocator });
      if (prepared.action === 'unchanged') return { object: old as ObjectOfKind[K], action: 'unchanged' };
      let plan: AllocationPlan = { service: prepared.object as Service, claim: NONE, release: NONE };
      const book = kind === 'Service' && op !== 'updateStatus' ? this.allocationBook() : undefined;
      if (book) plan = await this.planAllocation(book, prepared.object as Service, old as Service | undefined, trusted);
      const next = plan.service as KubeObject;
      book?.claim(plan.claim);
      const reply = await this.runWrite(kind, key, old ? 'update' : 'create', old ? old.metadata?.resourceVersion ?? '' : '', next, old ? 'MODIFIED' : 'ADDED', plan.claim, plan.release, options);
      const outcome = reply[0];
      if (outcome === 'ok') {
        book?.release(plan.release);
        return { object: withRevision(next, Number(reply[1])) as ObjectOfKind[K], action: old ? 'updated' : 'created' };
      }
      book?.release(plan.claim);
      if (outcome === 'fenced') throw fencedError(options.fence!.lease, options.fence!.token);
      if (outcome === 'exists' && op === 'create') throw alreadyExistsError(kind, key);
      if (outcome === 'notfound' && op !== 'apply') throw notFoundError(kind, key);
      if (outcome === 'conflict' && userRV) throw conflictError(kind, key);
      if (outcome === 'taken') await this.guard(book!.reload());
      // Lost a race (another writer, or an allocation taken meanwhile): read again and redo.
    }
    throw new StoreError('Conflict', `${kind} "${key}": gave up after ${this.maxRetries} retries against concurrent writers; try again`);
  }

  private async planAllocation(book: AllocationBook, next: Service, old: Service | undefined, trusted: boolean): Promise<AllocationPlan> {
    await this.guard(book.ensureLoaded());
    if (trusted) return planTrusted(next, old);
    // Values asked for explicitly may look taken in our view only because another client freed them.
    const held = old ? allocationsOf(old) : NONE;
    const want = allocationsOf(next);
    const wanted: Allocations = {
      ips: want.ips.filter((ip) => !held.ips.includes(ip) && book.ips.has(ip)),
      nodePorts: want.nodePorts.filter((p) => !held.nodePorts.includes(p) && book.nodePorts.has(p)),
    };
    await this.guard(book.refresh(wanted));
    return planServiceAllocation(next, old, book, this.allocator);
  }

  private runWrite(
    kind: Kind,
    key: string,
    mode: 'create' | 'update' | 'delete',
    expected: string,
    obj: KubeObject,
    type: 'ADDED' | 'MODIFIED' | 'DELETED',
    claim: Allocations,
    release: Allocations,
    options: WriteOptions,
  ): Promise<WriteReply> {
    const k = this.keys(kind);
    const { head, tail } = encodeWithRevisionSlot(obj);
    const fence = options.fence;
    const lease = fence ? leaseKey(fence.lease, this.prefix) : k.rev;
    return this.guard(
      this.scripted.svcnetWrite(
        k.rev, k.objs, k.rvs, k.events, k.uid, k.ips, k.ports, lease,
        key, mode, expected, head, tail, type, this.historyLimit, this.uidCandidate, fence ? String(fence.token) : '',
        claim.ips.length, claim.nodePorts.length, release.ips.length, release.nodePorts.length, options.trusted ? '0' : '1',
        ...claim.ips, ...claim.nodePorts, ...release.ips, ...release.nodePorts,
      ),
    );
  }

  async delete<K extends Kind>(kind: K, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<ObjectOfKind[K]> {
    const key = storeKey(kind, namespace, name);
    for (let attempt = 0; attempt <= this.maxRetries; attempt++) {
      const old = await this.read(kind, key);
      if (!old) throw notFoundError(kind, key);
      if (options.expectedRevision !== undefined && options.expectedRevision !== revisionOf(old)) throw conflictError(kind, key);
      const release = kind === 'Service' ? allocationsOf(old as Service) : NONE;
      const reply = await this.runWrite(kind, key, 'delete', old.metadata?.resourceVersion ?? '', old, 'DELETED', NONE, release, options);
      if (reply[0] === 'ok') {
        this.book?.release(release);
        return withRevision(old, Number(reply[1])) as ObjectOfKind[K];
      }
      if (reply[0] === 'fenced') throw fencedError(options.fence!.lease, options.fence!.token);
      if (reply[0] === 'notfound') throw notFoundError(kind, key);
      if (reply[0] === 'conflict' && options.expectedRevision !== undefined) throw conflictError(kind, key);
    }
    throw new StoreError('Conflict', `${kind} "${key}": gave up deleting after ${this.maxRetries} retries against concurrent writers; try again`);
  }

  watch<K extends Kind>(kind: K, options: WatchOptions): AsyncIterable<WatchEvent<ObjectOfKind[K]>> {
    const ctx = {
      kind,
      keys: this.keys(kind),
      logger: this.logger,
      uidCandidate: this.uidCandidate,
      closing: this.closing.signal,
      listed: this.listed.get(kind)?.revision === options.fromRevision ? this.listed.get(kind) : undefined,
      connect: () =>
        connect(this.options, { lazyConnect: true, enableOfflineQueue: false, autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 0 }),
    };
    return redisWatch(ctx, options) as AsyncIterable<WatchEvent<ObjectOfKind[K]>>;
  }

  /**
   * Resolves once Redis answers a PING; otherwise, after `timeoutMs`, throws StoreError('Unavailable')
   * with one line that names the address and the cause (`cannot reach Redis at 127.0.0.1:6399:
   * connection refused`). For commands that should fail fast instead of retrying for ever.
   */
  async ready(timeoutMs = 5000): Promise<void> {
    let last: Error | undefined;
    let refused: (e: Error) => void = () => {};
    const onError = (e: Error) => {
      last = e;
      // Nothing listens there, no such socket or host: retrying within the budget will not help.
      if (isRefusal(e)) refused(e);
    };
    this.redis.on('error', onError);
    let timer: NodeJS.Timeout | undefined;
    try {
      const ping = this.redis.ping();
      ping.catch(() => undefined); // settles later, when disconnect() drops the queued command
      await Promise.race([
        ping,
        new Promise((_, reject) => {
          refused = reject;
          timer = setTimeout(() => reject(last ?? new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (e) {
      throw new StoreError('Unavailable', `cannot reach Redis at ${redisAddress(this.options)}: ${connectionProblem(last ?? (e as Error))}`);
    } finally {
      clearTimeout(timer);
      this.redis.off('error', onError);
    }
  }

  /** Drops the connection at once, queued commands and all (close() waits for them to finish). */
  disconnect(): void {
    this.closing.abort();
    this.redis.disconnect();
  }

  async close(): Promise<void> {
    this.closing.abort();
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
