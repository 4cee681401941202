import { getHeapSpaceStatistics } from 'node:v8';
import { fullCollector } from './fullCollector.js';

export interface QuietCollectionOptions {
  /** How long without a message counts as quiet. */
  readonly quietMs?: number;
  /** Collect only when the heap used outside the young generation grew by this much since the last collection (the first time: holds this much). */
  readonly minGrowthBytes?: number;
  /** Tests give their own; the default is fullCollector(), made on first use. */
  readonly collect?: () => void;
  readonly heapUsed?: () => number;
  readonly onCollected?: (r: { heapUsedBefore: number; heapUsedAfter: number }) => void;
}

export interface QuietCollection {
  /** A message arrived: the quiet period starts again. */
  touch(): void;
  stop(): void;
}

/**
 * One full collection each time a worker goes quiet after its heap grew by minGrowthBytes, for the
 * worker threads what the agent's collectOnceReady is for the main thread (decisions 018 and 020).
 * A worker's replica is built from the parent's snapshot and change batches, each structured-cloned
 * whole, deserialized and applied: what that leaves in old space (~50 MB at 10,000 Services) V8
 * collects only when old space grows by about as much again, which an idle worker never does, and
 * the main thread's collection cannot reach another isolate. Growth, not a count, decides: an idle
 * worker (scrapes, a change now and then) never collects again; a burst of changes (a resync) is
 * collected once it is over; a busy worker never goes quiet and V8's own heuristics serve it.
 */
export function collectWhenQuiet(o: QuietCollectionOptions = {}): QuietCollection {
  const quietMs = o.quietMs ?? 2000;
  const minGrowth = o.minGrowthBytes ?? 16 * 1048576;
  const heapUsed = o.heapUsed ?? oldHeapUsed;
  let collect = o.collect;
  // From zero: the first quiet period with minGrowth in old space collects (start-up's own garbage
  // included), however much of it module loading left before this was made.
  let baseline = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const check = () => {
    timer = undefined;
    const heapUsedBefore = heapUsed();
    // V8's own full collections lower the heap too: growth counts from the lowest seen.
    baseline = Math.min(baseline, heapUsedBefore);
    if (stopped || heapUsedBefore - baseline < minGrowth) return;
    try {
      (collect ??= fullCollector())();
    } catch {
      // A collection is a saving, never a reason for a worker to die: give it up for good.
      stopped = true;
      return;
    }
    baseline = heapUsed();
    o.onCollected?.({ heapUsedBefore, heapUsedAfter: baseline });
  };
  return {
    touch: () => {
      if (stopped) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(check, quietMs);
      timer.unref();
    },
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/**
 * Bytes used outside the young generation: what a scavenge does not free. The young generation is
 * left out so that its garbage (up to its size, tens of MB on Node 24) never counts as growth.
 */
function oldHeapUsed(): number {
  let used = 0;
  for (const s of getHeapSpaceStatistics()) if (!s.space_name.startsWith('new_')) used += s.space_used_size;
  return used;
}
