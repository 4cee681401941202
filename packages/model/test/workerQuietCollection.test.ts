import { setTimeout as sleep } from 'node:timers/promises';
import { describeWith, nodeFeature } from '@svcnet/testkit';
import { afterEach, expect, it } from 'vitest';
import { WorkerPool } from '../src/index.js';

// Decision 021: a worker thread collects the garbage its replica's messages left in old space once
// it is quiet (the main thread's once-ready collection cannot reach another isolate). The bound is
// bytes of old space per kept record: earlier rounds send ten names per key, the last one name,
// so what is kept is small and what the earlier rounds left is large. Without the collection at
// least the round before the last stays (V8 collects on growth, and the last round grows little):
// ~900 bytes per key measured; with it only the kept record (~250 bytes).

const KEYS = 5000;
const ROUNDS = 8;
const CHUNK = 500;
const silent = { info: () => undefined, warn: () => undefined };
// The fixture worker is TypeScript, loaded through `--import tsx` in the worker's execArgv, which
// Node 20's worker threads do not run ("Unknown file extension .ts"); CI runs this on Node 24.
const tsxInWorkers = nodeFeature('--import hooks in worker threads', ['22.12', '23.1']);

function records(round: number, from: number): [string, string[]][] {
  return Array.from({ length: CHUNK }, (_, i) => {
    const k = `default/svc-${from + i}`;
    return [k, Array.from({ length: round === ROUNDS - 1 ? 1 : 10 }, (_, j) => `${k}.r${round}.${j}.default.svc.cluster.local`)];
  });
}

describeWith('a worker fed a replica', [tsxInWorkers], () => {
  let pool: WorkerPool<object> | undefined;
  afterEach(async () => pool?.stop());

  it('keeps in old space only the records it holds once it is quiet', async () => {
    pool = new WorkerPool<object>({
      name: 'test',
      entry: new URL('./fixtures/workers/replicaWorker.ts', import.meta.url),
      count: 1,
      log: silent,
      workerData: () => ({}),
      snapshot: () => [],
    });
    await pool.start();
    const heap = async () => (await pool!.ask({ type: 'heap' }, 5000))[0] as { old: number; records: number };
    const base = (await heap()).old;
    // Rounds replace every record; each round sent in chunks, as the parents send change batches.
    const rounds = Array.from({ length: ROUNDS }, (_, r) => Array.from({ length: KEYS / CHUNK }, (_, c) => records(r, c * CHUNK)));
    // Posted at once: the worker applies them back to back, with no quiet period in between
    // however busy this thread is.
    for (const round of rounds) for (const chunk of round) pool.broadcast({ type: 'records', records: chunk });
    rounds.length = 0;
    // Least of three samples after a quiet period (the worker's quietMs is 1 s).
    const samples: number[] = [];
    // Soon after the quiet second: V8's memory reducer may collect an idle isolate on its own some
    // seconds later (seen at ~5 s on Node 24), which would hide the difference this measures.
    await sleep(1300);
    for (let i = 0; i < 3; i++) {
      await sleep(300);
      const h = await heap();
      expect(h.records).toBe(KEYS);
      samples.push((h.old - base) / KEYS);
    }
    const perRecord = Math.min(...samples);
    // A kept record: one ~45-character string (~64 bytes), a 1-slot array, its Map entry.
    expect(perRecord, `old-space bytes per kept record (least of ${samples.map(Math.round).join(', ')})`).toBeLessThan(500);
  }, 60_000);
});
