import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * V8's full (mark-compact) collection, for a process started without --expose-gc: the flag is set
 * only while one fresh vm context is made (V8 installs `gc` on the globals of contexts created while
 * it is on), then cleared, so the agent's own global never has a `gc`. Node documents
 * setFlagsFromString after start-up as unsupported in general; --expose-gc is the one flag whose
 * late setting is read at context creation, which is what this relies on. Decision 018.
 *
 * It is asked for as a memory-reducing collection (`flavor: 'last-resort'`: V8's
 * CollectAllAvailableGarbage, what V8 runs before it reports out of memory): it also shrinks the
 * young generation to its minimum and releases the pages it frees. Node 24 (V8 13.6) reads the
 * option: at 10,000 Services the main isolate's new space went from 134 MB committed to a few MB.
 * Only V8 >= 13 is given options: V8 11.3 (Node 20) ignores `flavor`, and its collection with an
 * options object keeps what a WeakRef still points to (a test showed it: the plain gc() frees it),
 * so there it stays the plain call. Node 22 (V8 12.4) was not measured and keeps the plain call.
 */
export function fullCollector(): () => void {
  setFlagsFromString('--expose-gc');
  let gc: GcExtension;
  try {
    gc = runInNewContext('gc') as GcExtension;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  if (Number(process.versions.v8.split('.')[0]) < 13) return () => void gc();
  return () => void gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

/** V8's gc extension (src/extensions/gc-extension.cc): options are read where the V8 version knows them. */
type GcExtension = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async'; flavor?: 'regular' | 'last-resort' }) => unknown;

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
    (o.collect ?? fullCollector())();
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
