// Writers that retry each logical write until it is decided, and a reader of the store's event
// streams, to prove that no acknowledged write is lost and none is applied twice.
import type { Kind, KubeObject } from '@svcnet/model';
import { isStoreError, type Store } from '@svcnet/store';
import { Redis } from 'ioredis';
import { sleep } from './objects.js';

export const WRITE_ID = 'svcnet.test/write';

export type Op = {
  op: 'put' | 'delete';
  kind: Kind;
  name: string;
  id: string;
  t0?: number;
  t1?: number;
  /** A delete that found nothing at its first attempt (lossPossible only): the put before it was lost, or the delete itself was applied and its reply lost, then resent (the event stream tells which). */
  foundNothing?: boolean;
};

/** Builds a valid object of `kind` named `name`, stamped with the write id `id`. */
export type Builder = (name: string, id: string) => KubeObject & { kind: Kind };

export interface WriterResult {
  /** Every op, in order, each decided (acknowledged, or proven applied by AlreadyExists/NotFound on retry). */
  done: Op[];
  /** Attempts that failed with Unavailable or Timeout and were retried. */
  retries: number;
}

/**
 * Creates, updates and deletes objects of one kind until stopped (at most `maxOps`), retrying a write
 * whose outcome is unknown (Unavailable, Timeout) with the same write id until the store decides it.
 */
export function writer(
  store: Store,
  kind: Kind,
  build: Builder,
  prefix: string,
  maxOps = 2000,
  /** The store may lose acknowledged writes (an asynchronous replica promoted): record, do not throw. */
  lossPossible = false,
): { stop: () => Promise<WriterResult>; count: () => number } {
  let running = true;
  const done: Op[] = [];
  let retries = 0;
  const live: string[] = [];
  const task = (async () => {
    for (let i = 0; running && i < maxOps; i++) {
      const id = `${prefix}-${i}`;
      let op: Op;
      if (i % 5 === 4 && live.length > 3) op = { op: 'delete', kind, name: live.splice(i % live.length, 1)[0]!, id };
      else if (i % 3 === 2 && live.length) op = { op: 'put', kind, name: live[i % live.length]!, id };
      else {
        op = { op: 'put', kind, name: `${prefix}-o${i}`, id };
        live.push(op.name);
      }
      op.t0 = Date.now();
      for (let attempt = 0; ; attempt++) {
        try {
          if (op.op === 'delete') await store.delete(kind, kind === 'Node' ? undefined : 'default', op.name);
          else await store.apply(build(op.name, op.id));
          break;
        } catch (e) {
          // A retried delete that finds nothing was applied by the attempt whose reply was lost.
          if (attempt > 0 && op.op === 'delete' && isStoreError(e, 'NotFound')) break;
          if (lossPossible && op.op === 'delete' && isStoreError(e, 'NotFound')) {
            op.foundNothing = true;
            break;
          }
          // Unavailable (the reply was lost) and Timeout (too few replicas acknowledged it): the
          // outcome is unknown, so the same write is tried again until the store decides it.
          if (!isStoreError(e, 'Unavailable') && !isStoreError(e, 'Timeout')) throw e;
          retries++;
          await sleep(25);
        }
      }
      op.t1 = Date.now();
      done.push(op);
    }
  })();
  return {
    /** Ops decided so far. */
    count: () => done.length,
    stop: async () => {
      running = false;
      await task;
      return { done, retries };
    },
  };
}

/** The state the ops should leave: name -> last write id, for names not deleted. */
export function expectedState(ops: readonly Op[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const o of ops) {
    if (o.op === 'delete') m.delete(o.name);
    else m.set(o.name, o.id);
  }
  return m;
}

export function actualState(items: readonly KubeObject[]): Map<string, string> {
  return new Map(items.map((o) => [o.metadata?.name ?? '', o.metadata?.annotations?.[WRITE_ID] ?? '']));
}

/**
 * Reads a kind's event stream (`{tag}:events`) straight from Redis and counts, per write id, the
 * ADDED/MODIFIED entries that carry it, and per name the DELETED entries.
 */
export async function streamCounts(path: string, eventsKey: string): Promise<{ writes: Map<string, number>; deletes: Map<string, number>; entries: number }> {
  const r = new Redis({ path, lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  try {
    const entries = await r.xrange(eventsKey, '-', '+');
    const writes = new Map<string, number>();
    const deletes = new Map<string, number>();
    for (const [, fields] of entries) {
      const t = fields[fields.indexOf('t') + 1];
      const o = JSON.parse(fields[fields.indexOf('o') + 1]!) as KubeObject;
      if (t === 'DELETED') deletes.set(o.metadata!.name!, (deletes.get(o.metadata!.name!) ?? 0) + 1);
      else {
        const id = o.metadata?.annotations?.[WRITE_ID] ?? '';
        writes.set(id, (writes.get(id) ?? 0) + 1);
      }
    }
    return { writes, deletes, entries: entries.length };
  } finally {
    r.disconnect();
  }
}
