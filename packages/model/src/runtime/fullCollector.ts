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
 * collects the isolate of the thread that called fullCollector. Decisions 018 and 020.
 */
export function fullCollector(): () => void {
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as () => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
