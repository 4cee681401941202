import { parentPort } from 'node:worker_threads';
import { type QuietCollectionOptions, collectWhenQuiet } from './quietCollection.js';
import { SNAPSHOT_END, type WorkerLogger, type WorkerReport } from './workerPool.js';

/** A worker's side of a WorkerPool: its logger, its ready report, and messages from the parent. */
export interface WorkerChannel {
  /** Log lines go to the parent's logger, tagged with the worker's slot. */
  readonly log: WorkerLogger;
  ready(info: unknown): void;
  /** An event for the parent's `onEvent`. */
  event(data: unknown): void;
  /** Every message from the parent; `reply` answers one the parent sent with `ask`. */
  onMessage(handler: (msg: { type: string; id?: number } & Record<string, unknown>, reply: (data: unknown) => void) => void): void;
  /**
   * Resolves once every message of the parent's snapshot has been handled (WorkerPool posts a
   * marker after them): a worker binds its sockets after this, so that it never answers from a
   * replica the snapshot has only partly filled (the kernel gives a SO_REUSEPORT socket its share
   * of queries as soon as it is bound). Needs onMessage to have been called.
   */
  readonly snapshotApplied: Promise<void>;
}

/**
 * The worker's side of a WorkerPool. Unless `collect` is false, the worker runs a full collection
 * when it goes quiet after its heap grew (collectWhenQuiet: the snapshot's and change batches'
 * start-up garbage, decision 021) and logs the heap used before and after.
 */
export function workerChannel(o: { collect?: QuietCollectionOptions | false } = {}): WorkerChannel {
  const port = parentPort;
  if (!port) throw new Error('workerChannel: not running in a worker thread (start it through WorkerPool)');
  const post = (m: WorkerReport) => port.postMessage(m);
  let snapshotDone!: () => void;
  const snapshotApplied = new Promise<void>((r) => (snapshotDone = r));
  const collection =
    o.collect === false
      ? undefined
      : collectWhenQuiet({
          onCollected: ({ heapUsedBefore, heapUsedAfter }) =>
            post({ type: 'log', level: 'info', obj: { heapUsedBefore, heapUsedAfter }, msg: 'worker: collected garbage once quiet' }),
          ...o.collect,
        });
  return {
    snapshotApplied,
    log: {
      info: (obj, msg) => post({ type: 'log', level: 'info', obj, msg }),
      warn: (obj, msg) => post({ type: 'log', level: 'warn', obj, msg }),
    },
    ready: (info) => post({ type: 'ready', info }),
    event: (data) => post({ type: 'event', data }),
    onMessage: (handler) =>
      port.on('message', (m: { type: string; id?: number } & Record<string, unknown>) => {
        collection?.touch();
        if (m.type === SNAPSHOT_END) return snapshotDone();
        // A message the worker cannot handle is logged, not thrown: an uncaught error ends the worker.
        try {
          handler(m, (data) => {
            try {
              post({ type: 'reply', id: m.id ?? 0, data });
            } catch (e) {
              post({ type: 'log', level: 'warn', obj: { err: (e as Error).message, message: m.type }, msg: 'worker: cannot send this reply' });
            }
          });
        } catch (e) {
          post({ type: 'log', level: 'warn', obj: { err: (e as Error).message, message: m.type }, msg: 'worker: cannot handle this message' });
        }
      }),
  };
}
