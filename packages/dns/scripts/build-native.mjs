#!/usr/bin/env node
// Builds the optional batched-UDP addon (native/udpBatch.c -> native/build/udpBatch.node) with the
// system C compiler against Node-API's headers from the npm package node-api-headers; node-gyp is
// not used because it downloads Node's full headers from nodejs.org (decision 017).
// Run at install (postinstall) and before the package's tests. It never fails: when the addon
// cannot be built it prints one line saying why, and the DNS server uses its pure-JS UDP path.
// `--check` exits 1 instead (CI and SVCNET_REQUIRE_ALL want to know).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(pkg, 'native', 'udpBatch.c');
const target = join(pkg, 'native', 'build', 'udpBatch.node');
const strict = process.argv.includes('--check');

function skip(why) {
  console.error(`@svcnet/dns: native UDP batching not built (${why}); the DNS server uses its pure-JS UDP path`);
  process.exit(strict ? 1 : 0);
}

if (process.platform !== 'linux') skip(`recvmmsg/sendmmsg are Linux system calls, this is ${process.platform}`);
if (process.env.SVCNET_DNS_NATIVE === '0') skip('SVCNET_DNS_NATIVE=0');
if (existsSync(target) && statSync(target).mtimeMs >= statSync(source).mtimeMs && statSync(target).mtimeMs >= statSync(fileURLToPath(import.meta.url)).mtimeMs) process.exit(0);

let include;
try {
  include = join(dirname(createRequire(join(pkg, 'package.json')).resolve('node-api-headers/package.json')), 'include');
} catch {
  skip('the npm package node-api-headers is not installed');
}
const cc = process.env.CC || 'cc';
mkdirSync(dirname(target), { recursive: true });
const tmp = `${target}.${process.pid}.tmp`;
try {
  execFileSync(cc, ['-O2', '-Wall', '-shared', '-fPIC', '-fvisibility=hidden', `-I${include}`, source, '-o', tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
  renameSync(tmp, target); // atomic: a test running in parallel never loads half a file
} catch (e) {
  const err = /** @type {NodeJS.ErrnoException & { stderr?: Buffer }} */ (e);
  const why = err.code === 'ENOENT' ? `no C compiler: '${cc}' not found (apt-get install gcc libc6-dev)` : `${cc} failed: ${String(err.stderr ?? err.message).trim().split('\n').find((l) => /error/.test(l)) ?? err.message}`;
  skip(why);
}
