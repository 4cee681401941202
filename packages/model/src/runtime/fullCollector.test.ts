import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { fullCollector } from './fullCollector.js';

const oldSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!;

describe('fullCollector', () => {
  it('returns the pages of a fragmented old space: what stays committed is close to what is live', () => {
    const collect = fullCollector();
    // ~40 MB of small objects promoted to old space, then nine in ten dropped: every page keeps a
    // few live objects, which a collection that only frees empty pages leaves committed.
    let all: { i: number; pad: string }[] | undefined = Array.from({ length: 400_000 }, (_, i) => ({ i, pad: `${i}`.padStart(40, 'x') }));
    collect();
    collect();
    const kept = all.filter((_, i) => i % 10 === 0);
    all = undefined;
    const before = oldSpace();
    collect();
    const after = oldSpace();
    expect(kept).toHaveLength(40_000);
    expect(before.space_size).toBeGreaterThan(30 * 1048576);
    // Unused committed bytes after the collection: compacted, a few MB; fragmented, ~30 MB.
    expect(after.space_size - after.space_used_size).toBeLessThan(12 * 1048576);
  });
});
