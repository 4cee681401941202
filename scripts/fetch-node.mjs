#!/usr/bin/env node
// `node scripts/fetch-node.mjs 24`: puts the newest Node.js 24 release beside the machine's Node and
// prints the folder of its `node` binary (for PATH). The binary comes from the npm registry, whose
// node-linux-<arch> packages carry it: CI reaches no other download site. Kept under
// node_modules/.cache/svcnet-node/<version>, so a second call costs one registry lookup.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const major = process.argv[2];
if (!/^\d+$/.test(major ?? '')) {
  console.error('usage: node scripts/fetch-node.mjs MAJOR   (e.g. 24)');
  process.exit(2);
}
if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) {
  console.error(`fetch-node: the registry's node packages cover linux x64 and arm64; this is ${process.platform} ${process.arch}`);
  process.exit(1);
}
const pkg = `node-linux-${process.arch}`;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, 'node_modules', '.cache', 'svcnet-node');
const npm = (...args) => execFileSync('npm', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();

const versions = JSON.parse(npm('view', `${pkg}@${major}`, 'version', '--json'));
const version = [versions].flat().at(-1);
const dir = join(cache, version);
const bin = join(dir, 'package', 'bin');
if (!existsSync(join(bin, 'node'))) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  console.error(`fetch-node: ${pkg}@${version} from the npm registry...`);
  npm('pack', `${pkg}@${version}`, '--pack-destination', dir, '--silent');
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  execFileSync('tar', ['xzf', join(dir, tarball), '-C', dir]);
  rmSync(join(dir, tarball));
}
const actual = execFileSync(join(bin, 'node'), ['--version'], { encoding: 'utf8' }).trim();
if (!actual.startsWith(`v${major}.`)) {
  console.error(`fetch-node: ${join(bin, 'node')} is ${actual}, not Node ${major}`);
  process.exit(1);
}
console.log(bin);
