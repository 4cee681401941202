import { StoreError, replicaTimeoutError } from '../errors.js';
import type { RedisClient } from './connection.js';
import type { KindKeys } from './keys.js';
import type { ChunkReply } from './writeScript.js';

/** Wait for replicas before acknowledging a write (RedisStoreOptions.minReplicas). */
export interface Durability {
  /** Replicas that must hold a write (Redis WAIT) before the store acknowledges it. */
  minReplicas: number;
  /** How long a write waits for them; then it fails with StoreError('Timeout'). */
  timeoutMs: number;
}

type Pipeline = ReturnType<RedisClient['pipeline']>;
type Scripted = { svcnetWrite(...args: (string | number)[]): Promise<unknown> };

/** What one command of a channel answered: its reply, or the error it failed with. */
export type Settled = { reply: unknown } | { error: Error };

interface OpenGroup {
  pipeline: Pipeline;
  size: number;
  waiters: { from: number; count: number; resolve: (r: Settled[]) => void }[];
}

/**
 * Where the write scripts go. Without durability: straight to the store's connection. With it, to a
 * connection of their own followed by `WAIT minReplicas timeoutMs`, so a write is acknowledged only
 * once that many replicas have it (a promoted replica then has every acknowledged write). WAIT
 * covers every write made before it on its connection, so the writes of one event-loop turn share
 * one WAIT (a group commit: one replica round trip for a burst, not one per write); WAIT blocks its
 * connection, which is why the writes have their own and reads, leases and heartbeats never queue
 * behind it. On Redis Cluster a WAIT counts the replicas of the node it reaches, so each slot (one
 * per kind) gets its own pipeline, which ioredis sends to the node that owns the slot.
 * Redis 7.0 (Debian 12's) has no WAITAOF; WAIT makes a write survive the primary's loss as long as
 * one of the replicas that acknowledged it lives, not a power loss of all of them at once.
 */
export class WriteChannel {
  private readonly open = new Map<string, OpenGroup>();

  constructor(
    private readonly client: RedisClient,
    private readonly guard: <T>(p: Promise<T>) => Promise<T>,
    readonly durability: Durability | undefined,
    private readonly cluster: boolean,
  ) {}

  get durable(): boolean {
    return this.durability !== undefined;
  }

  /** One write script call per chunk (KEYS and ARGV as scriptArgs builds them). */
  async scripts(keys: KindKeys, chunks: readonly (string | number)[][]): Promise<({ reply: ChunkReply } | { error: Error })[]> {
    if (!this.durability) {
      const scripted = this.client as unknown as Scripted;
      const one = (args: readonly (string | number)[]) => this.guard(scripted.svcnetWrite(...args)).then((r) => ({ reply: chunkReply(r) }), (error: Error) => ({ error }));
      return chunks.length === 1 ? [await one(chunks[0]!)] : Promise.all(chunks.map(one));
    }
    const settled = await this.submit(keys.rev, (p) => {
      for (const args of chunks) (p as unknown as Scripted).svcnetWrite(...args);
      return chunks.length;
    });
    return settled.map((s) => ('error' in s ? s : { reply: chunkReply(s.reply) }));
  }

  /**
   * Adds commands to this turn's pipeline for the slot of `slotKey` (durable only); they run, then
   * WAIT. Each command settles to its reply, or, when too few replicas acknowledged, to
   * StoreError('Timeout'); a lost connection makes them StoreError('Unavailable').
   */
  submit(slotKey: string, add: (p: Pipeline) => number): Promise<Settled[]> {
    const group = this.cluster ? slotKey : '';
    let g = this.open.get(group);
    if (!g) {
      const opened: OpenGroup = { pipeline: this.client.pipeline(), size: 0, waiters: [] };
      this.open.set(group, opened);
      process.nextTick(() => void this.flush(group, opened));
      g = opened;
    }
    const from = g.size;
    const count = add(g.pipeline);
    g.size += count;
    const target = g;
    return new Promise((resolve) => target.waiters.push({ from, count, resolve }));
  }

  private async flush(group: string, g: OpenGroup): Promise<void> {
    this.open.delete(group);
    const { minReplicas, timeoutMs } = this.durability!;
    g.pipeline.wait(minReplicas, timeoutMs);
    let results: [Error | null, unknown][] | null = null;
    let failure: Error | undefined;
    try {
      results = await this.guard(g.pipeline.exec());
    } catch (e) {
      failure = e as Error;
    }
    const [waitError, acked] = results?.[g.size] ?? [failure ?? new Error('pipeline aborted'), 0];
    const shortfall =
      waitError ? unavailable(waitError)
      : Number(acked) < minReplicas ? replicaTimeoutError(Number(acked), minReplicas, timeoutMs)
      : undefined;
    for (const w of g.waiters) {
      const out: Settled[] = [];
      for (let i = w.from; i < w.from + w.count; i++) {
        const [err, reply] = results?.[i] ?? [failure ?? new Error('pipeline aborted'), undefined];
        out.push(err ? { error: err.name === 'ReplyError' ? err : unavailable(err) } : shortfall ? { error: shortfall } : { reply });
      }
      w.resolve(out);
    }
  }
}

function unavailable(e: Error): Error {
  return e instanceof StoreError ? e : new StoreError('Unavailable', `the store is unavailable: ${e.message}; check that redis-server is running and reachable`);
}

function chunkReply(r: unknown): ChunkReply {
  const a = r as unknown[];
  return a.length > 0 && a[0] === 'fenced' ? 'fenced' : (a as ChunkReply);
}
