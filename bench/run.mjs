#!/usr/bin/env node
// `npm run bench -- NAME [args...]`: runs bench/NAME/*-bench.ts from source and prints its figures.
// Without NAME, lists the benchmarks. Each one starts the real peers it compares against itself
// (redis-server, knot, nginx, haproxy, dnsperf, wrk: `npm run setup:system` installs them).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const benches = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => ({ name: d.name, file: readdirSync(join(here, d.name)).find((f) => /-bench\.ts$|^soak\.ts$/.test(f)) }))
  .filter((b) => b.file);
const [name, ...args] = process.argv.slice(2);
const bench = benches.find((b) => b.name === name);
if (!bench) {
  console.error(`usage: npm run bench -- NAME [args]\n\nbenchmarks: ${benches.map((b) => b.name).join(', ')}\nsee bench/README.md for what each measures and its flags`);
  process.exit(name ? 2 : 0);
}
const r = spawnSync(process.execPath, ['--conditions=@svcnet/source', '--import', 'tsx', join(here, bench.name, bench.file), ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
