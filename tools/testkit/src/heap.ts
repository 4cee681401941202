import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * V8's `gc()` for heap-byte tests: `--expose-gc` set at run time, and the function read from a new
 * context (the flag adds it to contexts made after it is set, not to the test's own).
 */
export function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
