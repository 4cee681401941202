// Ctrl-C (or a supervisor's SIGTERM) while the agent is still starting is a stop the user asked for:
// the agent stops what it started and exits 0, as it does after start-up.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { MAIN, ROOT } from './fixtures.js';

it('exits 0 on SIGTERM during start-up and after it', async () => {
  for (const when of ['listening', 'started'] as const) {
    const child = spawn(process.execPath, [
      '--conditions=@svcnet/source', '--import', 'tsx', MAIN,
      '-f', join(ROOT, 'examples'), '--proxy-mode', 'none', '--hostname-override', 'node-1',
      '--healthz-bind-address', '127.0.0.1:0', '--metrics-bind-address', '', '--dns-listen', '127.0.0.1:0',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`no exit within 60 s:\n${log}`))), 60_000);
      const onLine = (d: Buffer) => {
        log += d.toString();
        // The first line that says the agent is listening comes before start-up ends.
        const mark = when === 'listening' ? 'health and metrics listening' : '"agent: started"';
        if (log.includes(mark) && child.signalCode === null && !child.killed) child.kill('SIGTERM');
      };
      child.stdout.on('data', onLine);
      child.stderr.on('data', onLine);
      child.on('exit', (c) => (clearTimeout(timer), resolve(c)));
    });
    expect(code, log).toBe(0);
    expect(log).toMatch(/agent: stopping/);
    expect(log).not.toMatch(/"level":50/);
  }
}, 150_000);
