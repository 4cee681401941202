// Decision 018: once ready, the agent collects start-up's garbage once (one full V8 collection),
// and says so in its log with the heap used before and after; it then runs on and stops as before.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { MAIN, ROOT } from './fixtures.js';

it('runs one full collection once the agent is ready', async () => {
  const child = spawn(process.execPath, [
    '--conditions=@svcnet/source', '--import', 'tsx', MAIN,
    '-f', join(ROOT, 'examples'), '--proxy-mode', 'none', '--hostname-override', 'node-1',
    '--healthz-bind-address', '127.0.0.1:0', '--metrics-bind-address', '', '--dns-listen', '127.0.0.1:0',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`no collection within 60 s:\n${log}`))), 60_000);
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes('collected start-up garbage once ready') && child.signalCode === null && !child.killed) child.kill('SIGTERM');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (c) => (clearTimeout(timer), resolve(c)));
  });
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
