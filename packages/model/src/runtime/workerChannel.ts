import { parentPort } from 'node:worker_threads';
import type { WorkerLogger, WorkerReport } from './workerPool.js';

/** A worker's side of a WorkerPool: its logger, its ready report, and messages from the parent. */
export interface WorkerChannel {
  /** Log lines go to the parent's logger, tagged with the worker's slot. */
  readonly log: WorkerLogger;
  ready(info: unknown): void;
  /** An event for the parent's `onEvent`. */
  event(data: unknown): void;
  /** Every message from the parent; `reply` answers one the parent sent with `ask`. */
  onMessage(handler: (msg: { type: string; id?: number } & Record<string, unknown>, reply: (data: unknown) => void) => void): void;
}

export function workerChannel(): WorkerChannel {
  const port = parentPort;
  if (!port) throw new Error('workerChannel: not running in a worker thread (start it through WorkerPool)');
  const post = (m: WorkerReport) => port.postMessage(m);
  return {
    log: {
      info: (obj, msg) => post({ type: 'log', level: 'info', obj, msg }),
      warn: (obj, msg) => post({ type: 'log', level: 'warn', obj, msg }),
    },
    ready: (info) => post({ type: 'ready', info }),
    event: (data) => post({ type: 'event', data }),
    onMessage: (handler) =>
      port.on('message', (m: { type: string; id?: number } & Record<string, unknown>) => {
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
