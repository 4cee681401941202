#!/usr/bin/env node
// npm's prepack/postpack for the svcnet package: the published CLI carries the demo that `svcnet`
// (and `svcnet --once`) opens, a copy of the checkout's examples/*.yaml taken at each pack, so the
// tarball's demo is the repository's at the commit released. `--remove` deletes the copy after
// packing, so that in a checkout the demo always reads examples/ itself.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../../../examples/', import.meta.url));
const target = fileURLToPath(new URL('../examples/', import.meta.url));

rmSync(target, { recursive: true, force: true });
if (!process.argv.includes('--remove')) {
  if (!existsSync(source)) {
    process.stderr.write(`svcnet prepack: ${source} is missing; pack the svcnet package from a checkout of the repository\n`);
    process.exit(1);
  }
  // Manifests only: the folder's README describes the checkout, not the package.
  const manifests = readdirSync(source).filter((f) => /\.(ya?ml|json)$/.test(f));
  mkdirSync(target);
  for (const file of manifests) copyFileSync(source + file, target + file);
  process.stderr.write(`svcnet prepack: bundled ${manifests.length} example manifests from examples/\n`);
}
