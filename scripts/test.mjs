#!/usr/bin/env node
// `npm test`: every project's vitest suite through Nx (builds what the tests need first), then one
// closing line `N passed, N failed, N skipped` summed over all projects.
// Extra arguments go to nx (e.g. `npm test -- --projects=@svcnet/model`).
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = ['nx', 'run-many', '-t', 'test', '--output-style=stream', '--parallel=2', ...process.argv.slice(2)];
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: process.env.FORCE_COLOR ?? '0' };
// Project references follow package.json dependencies (`nx sync`); a reference missed in a commit
// must not fail the whole run, so bring them in line first (a no-op when already in sync).
execFileSync('npx', ['nx', 'sync'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
const child = spawn('npx', args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });

const totals = { passed: 0, failed: 0, skipped: 0 };
let buffer = '';
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  buffer += chunk.toString();
  let nl;
  while ((nl = buffer.indexOf('\n')) >= 0) {
    const line = strip(buffer.slice(0, nl));
    buffer = buffer.slice(nl + 1);
    // vitest's summary: "      Tests  12 passed | 1 skipped (13)" (nx may prefix the project name)
    const m = /\bTests\s+(.*)\(\d+\)\s*$/.exec(line);
    if (!m) continue;
    for (const part of m[1].split('|')) {
      const p = /(\d+)\s+(passed|failed|skipped|todo)/.exec(part);
      if (p) totals[p[2] === 'todo' ? 'skipped' : p[2]] += Number(p[1]);
    }
  }
});
child.on('exit', (code) => {
  console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  process.exit(code ?? 1);
});
