import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { StatusHistogram } from './statusHistogram.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];

describe('StatusHistogram', () => {
  it("exports exactly what prom-client's Histogram and Counter export for the same observations", async () => {
    const ours = new Registry();
    const h = new StatusHistogram(BUCKETS, { name: 'd_seconds', help: 'Duration.' }, { name: 'r_total', help: 'Requests.' });
    h.registerIn(ours);
    const theirs = new Registry();
    const ph = new Histogram({ name: 'd_seconds', help: 'Duration.', labelNames: ['status'], buckets: BUCKETS, registers: [theirs] });
    const pc = new Counter({ name: 'r_total', help: 'Requests.', labelNames: ['status'], registers: [theirs] });
    const samples: [number, number][] = [[200, 0.0004], [200, 0.001], [200, 0.05], [404, 2], [200, 0.5], [502, 0.01], [200, 7]];
    for (const [status, s] of samples) {
      h.observe(status, s);
      ph.labels(String(status)).observe(s);
      pc.labels(String(status)).inc();
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('d_seconds_bucket{le="0.01",status="200"} 2');
  });

  it('reset() through the registry clears both', async () => {
    const r = new Registry();
    const h = new StatusHistogram(BUCKETS, { name: 'd_seconds', help: 'D.' }, { name: 'r_total', help: 'R.' });
    h.registerIn(r);
    h.observe(200, 0.1);
    r.resetMetrics();
    expect(await r.metrics()).not.toMatch(/status="200"/);
  });
});
