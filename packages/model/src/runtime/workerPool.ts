import { readlinkSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

export interface WorkerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** What a worker posts to its parent (see workerChannel.ts for the worker's side). */
export type WorkerReport =
  | { readonly type: 'ready'; readonly info: unknown }
  | { readonly type: 'log'; readonly level: 'info' | 'warn'; readonly obj: object; readonly msg: string }
  | { readonly type: 'reply'; readonly id: number; readonly data: unknown }
  | { readonly type: 'event'; readonly data: unknown };

export interface WorkerPoolOptions<Ready> {
  /** For logs: `dns`, `ingress`. */
  readonly name: string;
  /** The worker's module. A `.ts` file (tests running from source) is loaded through tsx. */
  readonly entry: URL;
  /** Worker threads to run (0: none; the parent's own server may be the only one). */
  readonly count: number;
  /**
   * The workerData of a worker in `slot`. `first` is what the first server reported ready (its bound
   * ports): the parent's own server when `start` was given it, else the first worker's; undefined
   * only for a first worker, so that later ones bind the ports it got.
   */
  workerData(slot: number, first: Ready | undefined): unknown;
  /**
   * The messages that bring a new worker up to date; posted before any later broadcast, then a
   * marker (workerChannel's `snapshotApplied`). Several smaller messages rather than one: each is
   * cloned, deserialized and applied on its own, so the worker's young generation frees each one's
   * garbage instead of one table-sized message landing in old space (decision 021).
   */
  snapshot(): readonly unknown[];
  /** An `event` a worker posted (a loop it detected, say). */
  onEvent?(slot: number, data: unknown): void;
  log: WorkerLogger;
  /** Delay before a dead worker's replacement starts; doubles while replacements keep dying, up to 30 s. */
  restartDelayMs?: number;
}

interface Slot<Ready> {
  worker: Worker;
  ready?: Ready;
  startedAt: number;
}

const MAX_RESTART_DELAY_MS = 30_000;

/**
 * The calling thread's kernel thread id (Linux; the main thread's is the process id), so a bench
 * can read each serving thread's CPU time from /proc/<pid>/task/<tid>/stat; undefined elsewhere.
 */
export function kernelThreadId(): number | undefined {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return undefined;
  }
}

/** Posted after a new worker's snapshot messages (workerChannel's `snapshotApplied`). */
export const SNAPSHOT_END = 'svcnet:snapshot-end';

/** Items per snapshot message: ~100 KB cloned at 10 DNS records per Service (decision 021). */
export const SNAPSHOT_CHUNK = 500;

/** `items` in order, in runs of at most `size` (none for no items): a snapshot's messages. */
export function inChunks<T>(items: readonly T[], size: number = SNAPSHOT_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * N worker threads that serve the same ports (each with its own SO_REUSEPORT socket), fed by the
 * parent: each new worker gets `snapshot()` and then every `broadcast`, in order (a MessagePort
 * delivers in order and queues until the worker listens, so a worker never misses a change made
 * between its snapshot and its first message). A worker that exits unasked is replaced, with
 * backoff while replacements keep dying (nginx's master restarts a dead worker likewise).
 */
export class WorkerPool<Ready> {
  private readonly slots: (Slot<Ready> | undefined)[] = [];
  private readonly deaths: number[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new Map<number, (data: unknown) => void>();
  private first: Ready | undefined;
  private nextId = 1;
  private stopping = false;
  /** Workers started to replace dead ones, for status and tests. */
  replacements = 0;

  constructor(private readonly o: WorkerPoolOptions<Ready>) {}

  /**
   * Starts every worker; resolves with each one's ready info. `bound`: what a server outside the
   * pool (the parent's own, decision 022) bound first, so every worker binds its ports and all
   * start at once; without it the first worker starts alone, so the rest bind the ports it got.
   */
  async start(bound?: Ready): Promise<Ready[]> {
    try {
      if (bound !== undefined) {
        this.first = bound;
        return await Promise.all(Array.from({ length: this.o.count }, (_, i) => this.spawn(i)));
      }
      if (this.o.count < 1) return [];
      this.first = await this.spawn(0);
      const rest = await Promise.all(Array.from({ length: this.o.count - 1 }, (_, i) => this.spawn(i + 1)));
      return [this.first, ...rest];
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** The live workers (tests terminate one to see it replaced). */
  get workers(): readonly Worker[] {
    return this.slots.filter((s): s is Slot<Ready> => s !== undefined).map((s) => s.worker);
  }

  /** Posts `msg` to every live worker. */
  broadcast(msg: unknown, exceptSlot?: number): void {
    this.slots.forEach((s, i) => {
      if (s && i !== exceptSlot) s.worker.postMessage(msg);
    });
  }

  /**
   * Asks every ready worker (`msg` gets an `id`; the worker answers with `reply`), and resolves with
   * the answers that came within `timeoutMs` (a busy or dying worker is left out, not waited for).
   */
  ask(msg: object, timeoutMs = 1000): Promise<unknown[]> {
    const live = this.slots.filter((s): s is Slot<Ready> => s?.ready !== undefined);
    return Promise.all(
      live.map(
        (s) =>
          new Promise<unknown>((resolve) => {
            const id = this.nextId++;
            const t = setTimeout(() => {
              this.pending.delete(id);
              resolve(undefined);
            }, timeoutMs);
            this.pending.set(id, (data) => {
              clearTimeout(t);
              this.pending.delete(id);
              resolve(data);
            });
            s.worker.postMessage({ ...msg, id });
          }),
      ),
    ).then((all) => all.filter((a) => a !== undefined));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const live = this.slots.filter((s): s is Slot<Ready> => s !== undefined);
    this.slots.length = 0;
    await Promise.all(live.map((s) => s.worker.terminate()));
  }

  private spawn(slot: number): Promise<Ready> {
    const source = this.o.entry.pathname.endsWith('.ts');
    const worker = new Worker(this.o.entry, {
      workerData: this.o.workerData(slot, this.first),
      // From source (tests), tsx compiles the worker's TypeScript; a build runs the .js as is.
      ...(source ? { execArgv: ['--import', 'tsx'] } : {}),
    });
    const s: Slot<Ready> = { worker, startedAt: Date.now() };
    this.slots[slot] = s;
    for (const m of this.o.snapshot()) worker.postMessage(m);
    worker.postMessage({ type: SNAPSHOT_END });
    return new Promise<Ready>((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: WorkerReport) => {
        if (m.type === 'ready') {
          ready = true;
          s.ready = m.info as Ready;
          resolve(s.ready);
        } else if (m.type === 'log') this.o.log[m.level]({ ...m.obj, worker: slot }, m.msg);
        else if (m.type === 'reply') this.pending.get(m.id)?.(m.data);
        else if (m.type === 'event') this.o.onEvent?.(slot, m.data);
      });
      worker.on('error', (e) => {
        if (!ready) reject(e);
        else this.o.log.warn({ worker: slot, err: e.stack ?? String(e) }, `${this.o.name}: worker failed`);
      });
      worker.on('exit', (code) => {
        if (!ready) reject(new Error(`${this.o.name}: worker ${slot} exited (code ${code}) before it was serving`));
        if (this.slots[slot] !== s) return;
        this.slots[slot] = undefined;
        if (this.stopping || !ready) return;
        this.replace(slot, code, Date.now() - s.startedAt);
      });
    });
  }

  private replace(slot: number, code: number, upMs: number): void {
    const base = this.o.restartDelayMs ?? 100;
    this.deaths[slot] = upMs > 10_000 ? 0 : (this.deaths[slot] ?? 0) + 1;
    const delay = Math.min(MAX_RESTART_DELAY_MS, base * 2 ** (this.deaths[slot] ?? 0));
    this.o.log.warn({ worker: slot, code, restartInMs: delay }, `${this.o.name}: worker exited; starting a replacement`);
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.stopping) return;
      this.replacements++;
      this.spawn(slot).catch((e: Error) => {
        this.o.log.warn({ worker: slot, err: e.message }, `${this.o.name}: replacement worker failed to start`);
        if (!this.stopping && this.slots[slot] === undefined) this.replace(slot, -1, 0);
      });
    }, delay);
    this.timers.add(t);
  }
}
