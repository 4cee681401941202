import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * V8's full (mark-compact) collection, for a process started without --expose-gc: the flag is set
 * only while one fresh vm context is made (V8 installs `gc` on the globals of contexts created while
 * it is on), then cleared, so the caller's own global never has a `gc`. Node documents
 * setFlagsFromString after start-up as unsupported in general; --expose-gc is the one flag whose
 * late setting is read at context creation, which is what this relies on. V8 flags are per process:
 * called in a worker thread, the flag is on for the main thread too for that instant (a context the
 * main thread makes in that instant would get a `gc` too; the agent's make none). The function
 * collects the isolate of the thread that called fullCollector. Decisions 018 and 021.
 *
 * It is asked for as a memory-reducing collection (`flavor: 'last-resort'`: V8's
 * CollectAllAvailableGarbage, what V8 runs before it reports out of memory): it also shrinks the
 * young generation to its minimum and releases the pages it frees. Node 24 (V8 13.6) reads the
 * option: at 10,000 Services the main isolate's new space went from 134 MB committed to a few MB.
 * Only V8 >= 13 is given options: V8 11.3 (Node 20) ignores `flavor`, and its collection with an
 * options object keeps what a WeakRef still points to (a test showed it: the plain gc() frees it),
 * so there it stays the plain call, with --compact-on-every-full-gc set for that one collection
 * (also read at collection time): without it, old space keeps its fragmented pages (at 10,000
 * Services on Node 20: 340 MB RSS for 159 MB live; with it 251 MB, at the cost of a higher peak while
 * live objects are copied, 423 -> ~527 MB). On V8 13 the flag adds nothing to the memory-reducing
 * flavour but peak. Node 22 (V8 12.4) was not measured and takes the V8 11 path.
 */
export function fullCollector(): () => void {
  const gc = (thisThreadsGc ??= gcExtension());
  if (Number(process.versions.v8.split('.')[0]) >= 13) return () => void gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  // V8 11.3 has no memory-reducing flavour for the gc extension: compacting every page in this one
  // collection is what returns the fragmented old space (decision 018, round 3). The flag is per
  // process too: a collection another thread runs in this instant compacts every page as well, and
  // may find it cleared early; either costs one collection's pause or compaction, nothing else.
  return () => {
    setFlagsFromString('--compact-on-every-full-gc');
    try {
      gc();
    } finally {
      setFlagsFromString('--no-compact-on-every-full-gc');
    }
  };
}

/** The gc function of this thread's isolate, made once (a module instance is per thread). */
let thisThreadsGc: GcExtension | undefined;

/**
 * Makes a context with `gc` on its global. Threads share V8's flags: another thread may clear
 * --expose-gc between this one setting it and making its context (the workers and the main thread
 * collect on timers that can end together), and then the context has no `gc`: set it and try again.
 */
function gcExtension(): GcExtension {
  for (let attempt = 0; attempt < 20; attempt++) {
    setFlagsFromString('--expose-gc');
    let gc: unknown;
    try {
      gc = runInNewContext('typeof gc === "function" ? gc : undefined');
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
    if (typeof gc === 'function') return gc as GcExtension;
  }
  throw new Error('V8 gave no gc function to a context made with --expose-gc (20 attempts)');
}

/** V8's gc extension (src/extensions/gc-extension.cc): options are read where the V8 version knows them. */
type GcExtension = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async'; flavor?: 'regular' | 'last-resort' }) => unknown;
