#!/usr/bin/env node
// Makes `npm start` and `npm test` work on a fresh clone: installs dependencies when node_modules is
// missing or older than package-lock.json. Uses only Node built-ins, since nothing else exists yet.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000);
if (stale) {
  console.error('[svcnet] installing dependencies (npm install from package-lock.json), once per fresh clone...');
  installDependencies(root);
}

/**
 * `npm ci` where it works; otherwise `npm install`, which also installs exactly the locked versions.
 * (npm 11 writes lock files without other platforms' optional packages, e.g. @rollup/rollup-darwin-*,
 * and its own `npm ci` then refuses them as out of sync.)
 */
export function installDependencies(dir) {
  try {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: ['ignore', 'inherit', 'pipe'] });
  } catch (e) {
    const why = String(e.stderr ?? '').split('\n').find((l) => l.includes('npm ci')) ?? 'npm ci failed';
    console.error(`[svcnet] ${why.replace(/^npm error /, '')}; using npm install with the same lock file`);
    execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
  }
}
