import type { Kind, KubeObject } from '@svcnet/model';
import { expiredError } from '../errors.js';
import type { WatchEvent, WatchOptions } from '../types.js';
import type { RedisClient } from './connection.js';
import type { KindKeys } from './keys.js';
import { decodeObject, type StoreLogger } from './objectCodec.js';
import type { OwnWrites } from './ownWrites.js';
import { IDENTITY } from './scripts.js';

export interface RedisWatchContext {
  kind: Kind;
  keys: KindKeys;
  /** A new dedicated connection (lazy, no offline queue, no resend): XREAD BLOCK holds it. */
  connect: () => RedisClient;
  logger: StoreLogger;
  /** For a `shared` watch: this store's own immutable writes, handed out instead of decoded. */
  own?: OwnWrites | undefined;
  uidCandidate: string;
  closing: AbortSignal;
  /** The identity seen by the list this watch continues, when known: a restart in between is Expired. */
  listed?: { uid: string; runId: string } | undefined;
}

/** What says "this is the same data set": the server's run id, the kind's uid key, its revision. */
interface Identity {
  runId: string;
  uid: string;
  rev: number;
}

type Reply = [string, [string, string[]][]][] | null;
const BATCH = 512;

/**
 * The watch: XREAD BLOCK on the kind's stream from the last revision, on its own connection. Every
 * entry must be exactly last + 1, else history was trimmed past us (Expired). After any reconnect the
 * identity is compared with the one at the start: another run id (restart, failover: an unsynced
 * tail may have been lost and rewritten), another uid (data lost) or a smaller revision means the
 * events we would read are not a continuation of what we delivered, so the watch ends with Expired
 * and the informer relists. Idle periods yield BOOKMARKs.
 */
export async function* redisWatch(ctx: RedisWatchContext, options: WatchOptions): AsyncGenerator<WatchEvent<KubeObject>> {
  const { kind, keys, logger } = ctx;
  const interval = Math.max(1, options.bookmarkIntervalMs ?? 1000);
  const conn = ctx.connect();
  let epoch = 0;
  let outage = false;
  conn.on('ready', () => {
    epoch++;
    if (outage) logger.warn({ kind }, `store: watch of ${kind} reconnected`);
    outage = false;
  });
  conn.on('error', (e: Error) => {
    if (!outage) logger.warn({ kind, err: e.message }, `store: watch of ${kind} lost its connection; retrying`);
    outage = true;
  });
  const signals = [options.signal, ctx.closing].filter((s): s is AbortSignal => s !== undefined);
  const aborted = () => signals.some((s) => s.aborted);
  const stop = () => conn.disconnect();
  for (const s of signals) s.addEventListener('abort', stop, { once: true });

  const waitReady = () =>
    new Promise<void>((resolve) => {
      if (conn.status === 'ready' || aborted()) return resolve();
      const done = () => {
        conn.off('ready', done);
        for (const s of signals) s.removeEventListener('abort', done);
        resolve();
      };
      conn.on('ready', done);
      for (const s of signals) s.addEventListener('abort', done, { once: true });
    });

  const identity = async (): Promise<Identity> => {
    const [rev, uid, runId] = (await conn.eval(IDENTITY, 2, keys.rev, keys.uid, ctx.uidCandidate)) as [string, string, string];
    return { rev: Number(rev), uid, runId };
  };

  const own = ctx.own?.follow(kind);
  try {
    conn.connect().catch(() => undefined);
    let start: Identity | undefined;
    while (!start) {
      await waitReady();
      if (aborted()) return;
      try {
        start = await identity();
      } catch {
        if (aborted()) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    let seenEpoch = epoch;
    let last = options.fromRevision;
    if (own) own.cursor.last = last;
    if (last > start.rev) throw expiredError(kind, last, start.rev);
    const listed = ctx.listed;
    if (listed && (listed.uid !== start.uid || listed.runId !== start.runId)) throw expiredError(kind, last, start.rev);
    // After a failed read, check the identity before reading on: on Redis Cluster a failed read
    // may mean the kind's slot moved to a promoted replica (the cluster client stays 'ready', so no
    // reconnect says so), whose stream may lack the tail this watch delivered.
    let recheck = false;
    while (!aborted()) {
      let reply: Reply;
      try {
        if (recheck || epoch !== seenEpoch) {
          // Reconnected (or a read failed) since the last check: only continue if it is the same data set.
          const at = epoch;
          const now = await identity();
          if (now.runId !== start.runId || now.uid !== start.uid || now.rev < last) throw expiredError(kind, last, now.rev);
          seenEpoch = at;
          recheck = false;
        }
        reply = (await conn.xread('COUNT', BATCH, 'BLOCK', interval, 'STREAMS', keys.events, `${last}-0`)) as Reply;
        // Reconnected during the read: check first, then read again.
        if (epoch !== seenEpoch) continue;
        if (!reply) {
          const now = await identity();
          if (now.uid !== start.uid || now.rev < last || now.runId !== start.runId) throw expiredError(kind, last, now.rev);
          yield { type: 'BOOKMARK', revision: last };
          continue;
        }
      } catch (e) {
        if (aborted()) return;
        if ((e as { code?: string }).code === 'Expired') throw e;
        recheck = true;
        await waitReady();
        // A cluster client stays 'ready' while a node is down: do not spin on it.
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      for (const [id, fields] of reply[0]?.[1] ?? []) {
        const rev = Number(id.slice(0, id.indexOf('-')));
        if (rev !== last + 1) throw expiredError(kind, last, rev);
        last = rev;
        const type = fields[fields.indexOf('t') + 1];
        const text = fields[fields.indexOf('o') + 1];
        if ((type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') || text === undefined) {
          logger.error({ kind, revision: rev }, `store: skipping malformed ${kind} event ${id}`);
          continue;
        }
        const object = own?.take(rev) ?? decodeObject(kind, text, logger, `${keys.events} ${id}`);
        if (object) yield { type, object, revision: rev };
      }
      if (own) {
        own.cursor.last = last;
        own.passed();
      }
    }
  } finally {
    own?.release();
    for (const s of signals) s.removeEventListener('abort', stop);
    conn.disconnect();
  }
}
