import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Kind, KubeObject, ObjectOfKind, Service } from '@svcnet/model';
import type { AllocatorConfig } from '../admission.js';
import { systemClock, type Clock } from '../clock.js';
import { StoreError } from '../errors.js';
import { labelMatcher } from '../labelSelector.js';
import { storeKey, type WriteOp } from '../objectWrites.js';
import type { ApplyResult, BatchOp, BatchResult, DeleteOptions, ListOptions, ListResult, NodeStatusStore, ObjectWithKind, Store, WatchEvent, WatchOptions, WriteOptions } from '../types.js';
import { writeBatch, writeOne, type BatchContext } from './batchWriter.js';
import { connect, connectionProblem, describeConnection, isCluster, isRefusal, redisAddress, type RedisClient, type RedisConnectionOptions } from './connection.js';
import { kindKeys, leaseKey, type KindKeys } from './keys.js';
import { decodeObject, stderrLogger, type StoreLogger } from './objectCodec.js';
import { OwnWrites } from './ownWrites.js';
import { RedisLeases } from './redisLeases.js';
import { RedisNodeStatus } from './redisNodeStatus.js';
import { redisWatch } from './redisWatch.js';
import { IDENTITY, WRITE } from './scripts.js';
import { ServiceWriter } from './serviceWriter.js';
import { WriteChannel } from './writeChannel.js';
import { DEFAULT_BATCH_LIMITS, SCRIPT_KEYS, type BatchLimits, type FenceArgs } from './writeScript.js';

export interface RedisStoreOptions extends RedisConnectionOptions {
  serviceCIDRs?: string[];
  nodePortRange?: string;
  /** Stream entries kept per kind (XADD MAXLEN ~ N): older revisions answer Expired. Default 10000. */
  historyLimit?: number;
  /** Clock for creationTimestamp (default systemClock; lease and heartbeat times come from the Redis server). */
  clock?: Clock;
  random?: () => number;
  /** Prepended to every key (before the hash tag), to share one Redis between stores. */
  keyPrefix?: string;
  logger?: StoreLogger;
  /** Re-reads after losing a race (another writer in between, an allocation taken). Default 32. */
  maxRetries?: number;
  /**
   * Durability: acknowledge a write only once this many replicas have it (Redis WAIT after the write
   * script, on a connection of its own; see docs/decisions/014-store-acknowledged-writes-and-batches.md).
   * 0 (the default): acknowledged when the primary has it, as Redis' replication is asynchronous,
   * and a failover may lose the last writes. With Sentinel, set it to the number of replicas (all of
   * them: Sentinel may promote any) for no acknowledged write to be lost on a failover.
   */
  minReplicas?: number;
  /** How long a write waits for `minReplicas`, then fails with StoreError('Timeout'). Default 2000 ms. */
  replicaTimeoutMs?: number;
  /** Most ops and bytes per write script call of a batch (default 256 ops, 2 MiB). */
  batchLimits?: Partial<BatchLimits>;
}

interface ListedIdentity {
  revision: number;
  uid: string;
  runId: string;
}


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
  private readonly clock: Clock;
  private readonly prefix: string;
  private readonly logger: StoreLogger;
  private readonly maxRetries: number;
  private readonly uidCandidate = randomUUID();
  private readonly closing = new AbortController();
  private readonly keyCache = new Map<Kind, KindKeys>();
  private readonly writer: RedisClient | undefined;
  private readonly channel: WriteChannel;
  private readonly own = new OwnWrites();
  private readonly batchContext: BatchContext;
  private readonly services: ServiceWriter;
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
    this.clock = options.clock ?? systemClock;
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
    this.redis.defineCommand('svcnetWrite', { numberOfKeys: SCRIPT_KEYS, lua: WRITE });
    const guard = <T>(p: Promise<T>) => this.guard(p);
    const minReplicas = Math.max(0, Math.floor(options.minReplicas ?? 0));
    const durability = minReplicas > 0 ? { minReplicas, timeoutMs: Math.max(1, options.replicaTimeoutMs ?? 2000) } : undefined;
    if (durability) {
      // WAIT blocks its connection: the writes get their own, so reads and leases never wait behind it.
      this.writer = connect(options);
      this.writer.on('error', () => undefined);
      this.writer.defineCommand('svcnetWrite', { numberOfKeys: SCRIPT_KEYS, lua: WRITE });
    }
    this.channel = new WriteChannel(this.writer ?? this.redis, guard, durability, isCluster(this.redis));
    this.leases = new RedisLeases(this.redis, guard, this.prefix, durability ? this.channel : undefined);
    this.nodeStatus = new RedisNodeStatus(this.redis, guard, this.logger, this.prefix);
    this.batchContext = {
      redis: this.redis,
      guard,
      keys: (kind) => this.keys(kind),
      channel: this.channel,
      fence: (kind, o) => this.fenceArgs(kind, o),
      clock: this.clock,
      allocator: this.allocator,
      historyLimit: this.historyLimit,
      uidCandidate: this.uidCandidate,
      limits: { ...DEFAULT_BATCH_LIMITS, ...options.batchLimits },
      maxRetries: this.maxRetries,
      logger: this.logger,
      recordOwn: (kind, revision, object) => this.own.record(kind, revision, object),
    };
    this.services = new ServiceWriter(this.batchContext);
  }

  /** The durability this store writes with (undefined: acknowledged by the primary alone). */
  get durability(): { minReplicas: number; timeoutMs: number } | undefined {
    return this.channel.durability;
  }

  /**
   * How the write script checks `options.fence`. One Redis (or Sentinel): against the lease, in the
   * script. Cluster: the lease is in another slot, so it is checked here first, and the script
   * refuses tokens lower than the highest one this kind has seen (a deposed leader's write can land
   * between its successor's acquire and first write to that kind, never after).
   */
  private async fenceArgs(kind: Kind, options: WriteOptions): Promise<FenceArgs | 'fenced'> {
    const keys = this.keys(kind);
    const f = options.fence;
    if (!f) return { mode: '', key: keys.rev, token: '', name: '' };
    if (!isCluster(this.redis)) return { mode: 'lease', key: leaseKey(f.lease, this.prefix), token: String(f.token), name: f.lease };
    const held = await this.leases.get(f.lease);
    if (!held || held.token !== f.token) return 'fenced';
    return { mode: 'max', key: keys.fences, token: String(f.token), name: f.lease };
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
    // One MULTI: the identity script (revision, uid, the serving node's run id) and the values, one
    // snapshot. (The values are not read in Lua: copying 10,000 of them through a script table costs
    // more than the read.)
    const tx = this.redis.multi().eval(IDENTITY, 2, keys.rev, keys.uid, this.uidCandidate).hvals(keys.objs);
    const results = await this.guard(tx.exec());
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw new StoreError('Unavailable', `store ${this.description}: list of ${kind} failed: ${failed?.[0]?.message ?? 'transaction aborted'}`);
    const [rev, uid, runId] = results[0]![1] as [string, string, string];
    const revision = Number(rev);
    const values = results[1]![1] as string[];
    this.listed.set(kind, { revision, uid, runId });
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

  /** One write: a batch of one (writeOne), or for a Service (which allocates) the Service writer. */
  private async write<K extends Kind>(op: WriteOp, object: ObjectOfKind[K] & { kind: K }, options: WriteOptions = {}): Promise<ApplyResult<ObjectOfKind[K]>> {
    if (object.kind === 'Service') return (await this.services.write(op, object as Service & { kind: 'Service' }, options)) as ApplyResult<ObjectOfKind[K]>;
    const r = await writeOne(this.batchContext, { op, object: object as ObjectWithKind }, options);
    if (!r.ok) throw r.error;
    if (r.action === 'deleted') throw new Error('unreachable: a write answered deleted');
    return { object: r.object as ObjectOfKind[K], action: r.action };
  }

  async delete<K extends Kind>(kind: K, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<ObjectOfKind[K]> {
    if (kind === 'Service') return (await this.services.delete(namespace, name, options)) as ObjectOfKind[K];
    const { expectedRevision, ...writeOptions } = options;
    const r = await writeOne(this.batchContext, { op: 'delete', kind, namespace, name, ...(expectedRevision !== undefined ? { expectedRevision } : {}) }, writeOptions);
    if (!r.ok) throw r.error;
    return r.object as ObjectOfKind[K];
  }

  async batch(ops: readonly BatchOp[], options: WriteOptions = {}): Promise<BatchResult[]> {
    const results = new Array<BatchResult>(ops.length);
    const services: number[] = [];
    const others: number[] = [];
    ops.forEach((op, i) => ((op.op === 'delete' ? op.kind : op.object.kind) === 'Service' ? services : others).push(i));
    const bulk = (async () => {
      if (!others.length) return;
      const out = await writeBatch(this.batchContext, others.map((i) => ops[i]!), options);
      others.forEach((i, j) => (results[i] = out[j]!));
    })();
    // Services allocate addresses: one by one, in order.
    for (const i of services) {
      const op = ops[i]!;
      try {
        if (op.op === 'delete') results[i] = { ok: true, action: 'deleted', object: await this.services.delete(op.namespace, op.name, { ...options, ...(op.expectedRevision !== undefined ? { expectedRevision: op.expectedRevision } : {}) }) };
        else {
          const r = await this.services.write(op.op, op.object as Service & { kind: 'Service' }, options);
          results[i] = { ok: true, action: r.action, object: r.object };
        }
      } catch (e) {
        results[i] = { ok: false, error: e as Error };
      }
    }
    await bulk;
    return results;
  }

  watch<K extends Kind>(kind: K, options: WatchOptions): AsyncIterable<WatchEvent<ObjectOfKind[K]>> {
    const ctx = {
      kind,
      keys: this.keys(kind),
      own: options.shared ? this.own : undefined,
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
    this.writer?.disconnect();
  }

  async close(): Promise<void> {
    this.closing.abort();
    await Promise.all(
      [this.redis, this.writer].map(async (c) => {
        try {
          await c?.quit();
        } catch {
          c?.disconnect();
        }
      }),
    );
  }
}
