#!/usr/bin/env node
// The `svcnet` command. This file is committed (not built) so that npm links it at install time, in a
// fresh clone too, where dist/ does not exist yet: then the CLI is built once, here, before it runs.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(entry)) {
  const workspace = fileURLToPath(new URL('../../../', import.meta.url));
  if (!existsSync(`${workspace}nx.json`)) {
    process.stderr.write(`svcnet: ${fileURLToPath(entry)} is missing; reinstall the svcnet package\n`);
    process.exit(1);
  }
  process.stderr.write('svcnet: first run in this checkout: building the CLI (npx nx run svcnet:build)...\n');
  try {
    // Quiet unless it fails: the one line above is the progress a user needs.
    execFileSync('npx', ['nx', 'run', 'svcnet:build', '--output-style=stream-without-prefixes'], {
      cwd: workspace,
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
    });
  } catch (e) {
    process.stderr.write(`${e.stdout ?? ''}${e.stderr ?? ''}`);
    process.stderr.write('svcnet: the build failed (see above); fix it, or run `npm run build` in the checkout\n');
    process.exit(1);
  }
}
await import(entry.href);
