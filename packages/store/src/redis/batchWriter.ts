import { randomUUID } from 'node:crypto';
import type { Kind, KubeObject } from '@svcnet/model';
import type { AllocatorConfig, Allocations } from '../admission.js';
import type { Clock } from '../clock.js';
import { StoreError, alreadyExistsError, conflictError, fencedError, notFoundError } from '../errors.js';
import { keyOfObject, prepareWrite, revisionOf, storeKey, withRevision } from '../objectWrites.js';
import type { BatchOp, BatchResult, WriteOptions } from '../types.js';
import type { RedisClient } from './connection.js';
import type { KindKeys } from './keys.js';
import { decodeObject, encodeWithRevisionSlot, type StoreLogger } from './objectCodec.js';
import type { WriteChannel } from './writeChannel.js';
import { chunkOps, scriptArgs, type BatchLimits, type FenceArgs, type OpReply, type ScriptOp } from './writeScript.js';

/** What the batch writer needs from its RedisStore. */
export interface BatchContext {
  redis: RedisClient;
  guard: <T>(p: Promise<T>) => Promise<T>;
  keys: (kind: Kind) => KindKeys;
  channel: WriteChannel;
  /** The fence as the script checks it, or 'fenced' when the lease is already lost (Cluster checks it first). */
  fence: (kind: Kind, options: WriteOptions) => Promise<FenceArgs | 'fenced'>;
  clock: Clock;
  allocator: AllocatorConfig;
  historyLimit: number;
  uidCandidate: string;
  limits: BatchLimits;
  maxRetries: number;
  logger: StoreLogger;
  /** An immutable write's result, for shared watches of this store (OwnWrites). */
  recordOwn: (kind: Kind, revision: number, object: KubeObject) => void;
}

const NONE: Allocations = { ips: [], nodePorts: [] };
const NO_FENCE = (keys: KindKeys): FenceArgs => ({ mode: '', key: keys.rev, token: '', name: '' });

interface Pending {
  index: number;
  kind: Kind;
  field: string;
  op: BatchOp;
  /** What the script is asked to do, when it is asked anything. */
  script?: ScriptOp;
  /** The object to return when the script answers ok (stamped with the new revision). */
  result?: KubeObject;
  /** A conditional write the caller asked for: the script's 'conflict' is the caller's Conflict. */
  userCAS: boolean;
}

/**
 * `Store.batch` for every kind but Service (whose allocation goes object by object): waves of ops,
 * each wave at most one op per object (the earliest undecided one, so ops on one object apply in
 * order). A wave reads the stored objects it needs with one HMGET per kind, prepares every op as a
 * single write would (admission, status rules, metadata), and sends each kind's ops as script calls
 * of at most `limits` ops, all in flight at once. An op that lost a race to another writer (no
 * compare-and-set of its own asked for) is read and prepared again in the next wave, at most
 * `maxRetries` times. In durable mode an outcome decided from what was read (unchanged, NotFound,
 * Conflict) waits for the same WAIT as the writes (the script bumps a barrier when it writes
 * nothing), so it is never reported from state a failover could lose.
 */
export async function writeBatch(ctx: BatchContext, ops: readonly BatchOp[], options: WriteOptions): Promise<BatchResult[]> {
  const results = new Array<BatchResult | undefined>(ops.length);
  const tries = new Array<number>(ops.length).fill(0);
  const items = ops.map((op, index) => {
    const kind = op.op === 'delete' ? op.kind : op.object.kind;
    const field = op.op === 'delete' ? storeKey(kind, op.namespace, op.name) : keyOfObject(kind, op.object as KubeObject);
    return { index, kind, field, op };
  });
  for (;;) {
    const wave: Pending[] = [];
    const seen = new Set<string>();
    for (const it of items) {
      if (results[it.index]) continue;
      const id = `${it.kind}\u0000${it.field}`;
      if (seen.has(id)) continue;
      seen.add(id);
      wave.push({ ...it, userCAS: false });
    }
    if (wave.length === 0) break;
    await runWave(ctx, wave, options, results, tries);
  }
  return results as BatchResult[];
}

/**
 * A batch of one (every single write but a Service's), without the waves' bookkeeping: single
 * writes are many and concurrent (sources, simulators), and per-write Maps and Sets showed up as
 * garbage-collection time. Same steps and outcomes as writeBatch.
 */
export async function writeOne(ctx: BatchContext, op: BatchOp, options: WriteOptions): Promise<BatchResult> {
  const kind = op.op === 'delete' ? op.kind : op.object.kind;
  const field = op.op === 'delete' ? storeKey(kind, op.namespace, op.name) : keyOfObject(kind, op.object as KubeObject);
  const tries = [0];
  const keys = ctx.keys(kind);
  for (;;) {
    const p: Pending = { index: 0, kind, field, op, userCAS: false };
    let old: KubeObject | undefined;
    if (op.op !== 'create') {
      try {
        const text = await ctx.guard(ctx.redis.hget(keys.objs, field));
        old = text === null ? undefined : decodeObject(kind, text, ctx.logger, `${keys.objs} ${field}`);
      } catch (e) {
        return { ok: false, error: named(e as Error, p) };
      }
    }
    let fromRead: BatchResult | undefined;
    try {
      fromRead = prepare(ctx, p, old, options);
    } catch (e) {
      return { ok: false, error: e as Error };
    }
    if (fromRead && !ctx.channel.durable) return fromRead;
    // Most writes carry no fence: no await for it then.
    const fence = options.fence ? await ctx.fence(kind, options).catch((e: Error) => e) : NO_FENCE(keys);
    if (fence === 'fenced') return { ok: false, error: fencedError(options.fence!.lease, options.fence!.token) };
    if (fence instanceof Error) return { ok: false, error: named(fence, p) };
    const [r] = await ctx.channel.scripts(keys, [scriptArgs(keys, p.script ? [p.script] : [], fence, ctx.historyLimit, ctx.uidCandidate, ctx.channel.durable)]);
    if ('error' in r!) return { ok: false, error: named(r.error, p) };
    if (r.reply === 'fenced') return { ok: false, error: fencedError(options.fence!.lease, options.fence!.token) };
    // Durable: what was read stands, now that the WAIT after the barrier answered.
    if (fromRead) return fromRead;
    let decided: BatchResult | undefined;
    settle(ctx, p, r.reply[0]!, (_p, res) => (decided = res), tries, options);
    if (decided) return decided;
  }
}

async function runWave(ctx: BatchContext, wave: Pending[], options: WriteOptions, results: (BatchResult | undefined)[], tries: number[]): Promise<void> {
  const decide = (p: Pending, r: BatchResult) => (results[p.index] = r);
  const fail = (p: Pending, error: Error) => decide(p, { ok: false, error });
  const byKind = group(wave);

  // Read what the non-create ops need, one HMGET per kind, all at once.
  const olds = new Map<Pending, KubeObject | undefined>();
  try {
    await Promise.all(
      [...byKind].map(async ([kind, ps]) => {
        const need = ps.filter((p) => p.op.op !== 'create');
        if (!need.length) return;
        const keys = ctx.keys(kind);
        const texts = await ctx.guard(ctx.redis.hmget(keys.objs, ...need.map((p) => p.field)));
        need.forEach((p, i) => {
          const text = texts[i];
          olds.set(p, text == null ? undefined : decodeObject(kind, text, ctx.logger, `${keys.objs} ${p.field}`));
        });
      }),
    );
  } catch (e) {
    for (const p of wave) fail(p, named(e as Error, p));
    return;
  }

  // Prepare every op as its single write would; some are decided here, from what was read.
  const fromRead = new Map<Pending, BatchResult>();
  for (const p of wave) {
    try {
      const decided = prepare(ctx, p, olds.get(p), options);
      if (decided) fromRead.set(p, decided);
    } catch (e) {
      // Admission's refusal (InvalidObjectError) does not depend on the stored state's durability.
      fail(p, e as Error);
    }
  }
  // Without durability a read-decided outcome is final at once.
  if (!ctx.channel.durable) for (const [p, r] of fromRead) decide(p, r);

  await Promise.all(
    [...byKind].map(async ([kind, ps]) => {
      const scripted = ps.filter((p) => p.script && !results[p.index]);
      const confirm = ctx.channel.durable ? ps.filter((p) => fromRead.has(p)) : [];
      if (!scripted.length && !confirm.length) return;
      const fence = await ctx.fence(kind, options).catch((e: Error) => e);
      if (fence === 'fenced' || fence instanceof Error) {
        for (const p of [...scripted, ...confirm]) fail(p, fence === 'fenced' ? fencedError(options.fence!.lease, options.fence!.token) : named(fence, p));
        return;
      }
      const keys = ctx.keys(kind);
      const chunks = scripted.length ? chunkOps(scripted.map((p) => p.script!), ctx.limits) : [[]];
      const args = chunks.map((c) => scriptArgs(keys, c, fence, ctx.historyLimit, ctx.uidCandidate, ctx.channel.durable));
      const replies = await ctx.channel.scripts(keys, args);
      let at = 0;
      replies.forEach((r, ci) => {
        for (let j = 0; j < chunks[ci]!.length; j++) {
          const p = scripted[at++]!;
          if ('error' in r) fail(p, named(r.error, p));
          else if (r.reply === 'fenced') fail(p, fencedError(options.fence!.lease, options.fence!.token));
          else settle(ctx, p, r.reply[j]!, decide, tries, options);
        }
      });
      // Read-decided outcomes of this kind stand once the first chunk's WAIT did (it ran after the read).
      const first = replies[0];
      for (const p of confirm) {
        if (first && 'error' in first) fail(p, named(first.error, p));
        else if (first && first.reply === 'fenced') fail(p, fencedError(options.fence!.lease, options.fence!.token));
        else decide(p, fromRead.get(p)!);
      }
    }),
  );
}

/** Fills in `p.script` and `p.result`, or returns the outcome when what was read decides it. */
function prepare(ctx: BatchContext, p: Pending, old: KubeObject | undefined, options: WriteOptions): BatchResult | undefined {
  const { op, kind, field } = p;
  if (op.op === 'delete') {
    if (!old) return { ok: false, error: notFoundError(kind, field) };
    p.userCAS = op.expectedRevision !== undefined;
    if (p.userCAS && op.expectedRevision !== revisionOf(old)) return { ok: false, error: conflictError(kind, field) };
    const expected = old.metadata?.resourceVersion ?? '';
    const { head, tail } = encodeWithRevisionSlot(old, true);
    p.script = { field, mode: 'delete', expected, head, tail, type: 'DELETED', claim: NONE, release: NONE, checkClaims: false };
    p.result = old;
    return undefined;
  }
  const incoming = op.object as KubeObject;
  const present = op.op === 'create' ? undefined : old;
  if ((op.op === 'update' || op.op === 'updateStatus') && !present) return { ok: false, error: notFoundError(kind, field) };
  const userRV = op.op === 'apply' ? undefined : incoming.metadata?.resourceVersion;
  p.userCAS = !!userRV;
  if (userRV && present && userRV !== present.metadata?.resourceVersion) return { ok: false, error: conflictError(kind, field) };
  const trusted = options.trusted ?? false;
  const prepared = prepareWrite({ kind, op: op.op, incoming, old: present, trusted, immutable: options.immutable ?? false, now: ctx.clock.now(), newUid: randomUUID, allocator: ctx.allocator });
  if (prepared.action === 'unchanged') return { ok: true, action: 'unchanged', object: present! };
  const { head, tail } = encodeWithRevisionSlot(prepared.object, true);
  p.script = {
    field,
    mode: present ? 'update' : 'create',
    expected: present?.metadata?.resourceVersion ?? '',
    head,
    tail,
    type: present ? 'MODIFIED' : 'ADDED',
    claim: NONE,
    release: NONE,
    checkClaims: !trusted,
  };
  p.result = prepared.object;
  return undefined;
}

/** One op's script reply: decided, or left undecided for the next wave (a lost race). */
function settle(ctx: BatchContext, p: Pending, reply: OpReply, decide: (p: Pending, r: BatchResult) => void, tries: number[], options: WriteOptions): void {
  const { op, kind, field } = p;
  switch (reply[0]) {
    case 'ok': {
      const rev = Number(reply[1]);
      const object = withRevision(p.result!, rev);
      if (options.immutable) ctx.recordOwn(kind, rev, object);
      decide(p, { ok: true, action: op.op === 'delete' ? 'deleted' : p.script!.mode === 'create' ? 'created' : 'updated', object });
      return;
    }
    case 'exists':
      if (op.op === 'create') return void decide(p, { ok: false, error: alreadyExistsError(kind, field) });
      break;
    case 'notfound':
      if (op.op !== 'apply') return void decide(p, { ok: false, error: notFoundError(kind, field) });
      break;
    case 'conflict':
      if (p.userCAS) return void decide(p, { ok: false, error: conflictError(kind, field) });
      break;
  }
  // Lost a race with another writer: read again and redo in the next wave.
  if (++tries[p.index]! > ctx.maxRetries) {
    decide(p, { ok: false, error: new StoreError('Conflict', `${kind} "${field}": gave up after ${ctx.maxRetries} retries against concurrent writers; try again`) });
  }
}

function group(wave: readonly Pending[]): Map<Kind, Pending[]> {
  const m = new Map<Kind, Pending[]>();
  for (const p of wave) {
    let l = m.get(p.kind);
    if (!l) m.set(p.kind, (l = []));
    l.push(p);
  }
  return m;
}

/** A failure of the whole call (connection lost, replicas short), as this op's error. */
function named(e: Error, p: Pending): Error {
  if (!(e instanceof StoreError)) return e;
  return new StoreError(e.code, `${p.kind} "${p.field}": ${e.message}`);
}
