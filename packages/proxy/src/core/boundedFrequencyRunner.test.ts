import { describe, expect, it } from 'vitest';
import { BoundedFrequencyRunner } from './boundedFrequencyRunner.js';
import { ManualClock } from '@svcnet/store';

const flush = () => new Promise((r) => setImmediate(r));

describe('BoundedFrequencyRunner', () => {
  it('runs at once, then at most once per minInterval, and at least once per maxInterval', async () => {
    const clock = new ManualClock(1_000_000);
    const runs: number[] = [];
    const r = new BoundedFrequencyRunner('t', () => void runs.push(clock.now()), { minIntervalMs: 1000, maxIntervalMs: 10_000, clock });
    const t0 = clock.now();
    r.start();
    clock.advance(0);
    await flush();
    expect(runs).toEqual([t0]);
    r.run();
    r.run();
    clock.advance(500);
    await flush();
    expect(runs).toHaveLength(1);
    clock.advance(500);
    await flush();
    expect(runs).toEqual([t0, t0 + 1000]);
    clock.advance(10_000);
    await flush();
    expect(runs).toEqual([t0, t0 + 1000, t0 + 11_000]);
    r.stop();
  });

  it('retries failures with backoff', async () => {
    const clock = new ManualClock(1_000_000);
    const runs: number[] = [];
    let fail = 2;
    const errors: unknown[] = [];
    const r = new BoundedFrequencyRunner(
      't',
      () => {
        runs.push(clock.now());
        if (fail-- > 0) throw new Error('restore failed');
      },
      { minIntervalMs: 0, maxIntervalMs: 60_000, retryBackoffMs: 100, clock, onError: (e) => errors.push(e) },
    );
    const t0 = clock.now();
    r.start();
    for (let i = 0; i < 5; i++) {
      clock.advance(100);
      await flush();
    }
    expect(runs).toEqual([t0, t0 + 100, t0 + 300]);
    expect(errors).toHaveLength(2);
    r.stop();
  });
});
