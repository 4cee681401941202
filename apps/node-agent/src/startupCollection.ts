import { fullCollector } from '@svcnet/model';

// Moved to @svcnet/model (runtime/fullCollector.ts): the DNS and ingress worker threads collect their
// own start-up garbage the same way (decision 021). Re-exported for this module's callers and tests.
export { fullCollector };

export interface StartupCollection {
  /** Resolves once the collection ran (or was given up on: stopped, or never ready within maxWaitMs). */
  readonly done: Promise<{ collected: boolean; heapUsedBefore?: number; heapUsedAfter?: number }>;
  stop(): void;
}

/**
 * One full collection once the agent is ready, then never again (decision 018). Start-up (parsing
 * the manifests, writing and listing every object, the first proxy sync, the DNS index and route
 * table builds) leaves ~100 MB in V8's old space at 10,000 Services that V8 would collect only when
 * the old space grows by about as much again; an agent that then idles never gets there, and keeps
 * that RSS for its life. Steady-state work is small and young, so later garbage does not pile up
 * the same way. Readiness is polled (`isReady` is the agent's /readyz test) on an unref'd timer,
 * bounded by maxWaitMs; `quietMs` after readiness lets the syncs it set off (the proxy's partial
 * syncs, the informers' last events) finish first.
 */
export function collectOnceReady(
  isReady: () => boolean,
  o: { pollMs?: number; quietMs?: number; maxWaitMs?: number; collect?: () => void } = {},
): StartupCollection {
  const pollMs = o.pollMs ?? 1000;
  const quietMs = o.quietMs ?? 2000;
  const maxWaitMs = o.maxWaitMs ?? 30 * 60_000;
  let timer: NodeJS.Timeout | undefined;
  let finish!: (r: { collected: boolean; heapUsedBefore?: number; heapUsedAfter?: number }) => void;
  const done = new Promise<{ collected: boolean; heapUsedBefore?: number; heapUsedAfter?: number }>((r) => (finish = r));
  const schedule = (fn: () => void, ms: number) => {
    timer = setTimeout(fn, ms);
    timer.unref();
  };
  let waited = 0;
  const poll = () => {
    if (isReady()) return schedule(collect, quietMs);
    waited += pollMs;
    if (waited >= maxWaitMs) return finish({ collected: false });
    schedule(poll, pollMs);
  };
  const collect = () => {
    timer = undefined;
    const heapUsedBefore = process.memoryUsage().heapUsed;
    try {
      (o.collect ?? fullCollector())();
    } catch {
      // A saving, never a reason for the agent to stop: it holds what it held.
      return finish({ collected: false });
    }
    finish({ collected: true, heapUsedBefore, heapUsedAfter: process.memoryUsage().heapUsed });
  };
  schedule(poll, 0);
  return {
    done,
    stop: () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      finish({ collected: false });
    },
  };
}
