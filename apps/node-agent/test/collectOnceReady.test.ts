// Decision 018: once ready, the agent collects start-up's garbage once (one full V8 collection),
// and says so in its log with the heap used before and after; it then runs on and stops as before.
import { expect, it } from 'vitest';
import { runAgentUntil } from './fixtures.js';

it('runs one full collection once the agent is ready', async () => {
  const { code, log } = await runAgentUntil('collected start-up garbage once ready');
  expect(code, log).toBe(0);
  const lines = log.split('\n').filter((l) => l.includes('collected start-up garbage once ready'));
  expect(lines).toHaveLength(1);
  const entry = JSON.parse(lines[0]!) as { heapUsedBefore: number; heapUsedAfter: number };
  expect(entry.heapUsedBefore).toBeGreaterThan(0);
  expect(entry.heapUsedAfter).toBeGreaterThan(0);
  // Ready comes after "started": the collection is logged after it, and before the stop.
  expect(log.indexOf('"agent: started"')).toBeLessThan(log.indexOf('collected start-up garbage'));
  expect(log.indexOf('collected start-up garbage')).toBeLessThan(log.indexOf('agent: stopping'));
}, 90_000);
