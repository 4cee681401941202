// The soak in small: 1,000 Services, 20 Pod changes a second for 30 s through the endpoints
// controller, DNS and the ingress with traffic; memory and file descriptors stay flat, no error
// other than the expected ones. The full-size run is bench/soak/soak.ts.
import { expect, it } from 'vitest';
import { runSoak } from './soakEngine.js';

it('churn with DNS and ingress traffic: memory and fds flat, no unexpected error', async () => {
  const r = await runSoak({ services: 1000, changesPerSecond: 20, durationMs: 30_000, sampleEveryMs: 5000 });
  for (const s of r.samples) console.info(`[figures] soak t=${(s.atMs / 1000).toFixed(0)}s rss=${s.rssMiB}MiB heap=${s.heapMiB}MiB fds=${s.fds} changes=${s.changes} dns=${s.dnsOk}/${s.dnsBad} http=${s.httpOk}/${s.httpBad} errors=${s.writeErrors}+${s.controllerErrors} queue=${s.queueDepth}`);
  const { last, samples, firstErrors } = r;
  expect(firstErrors).toEqual([]);
  expect(last.changes).toBeGreaterThan(300);
  expect(last.writeErrors + last.dnsBad + last.httpBad + last.controllerErrors).toBe(0);
  expect(last.dnsOk).toBeGreaterThan(100);
  expect(last.httpOk).toBeGreaterThan(100);
  // Flat: after the first sample (warm), memory grows by less than a generous bound and fds by a few.
  const warm = samples[1] ?? samples[0]!;
  expect(last.rssMiB - warm.rssMiB).toBeLessThan(150);
  expect(last.fds - warm.fds).toBeLessThan(20);
}, 120_000);
