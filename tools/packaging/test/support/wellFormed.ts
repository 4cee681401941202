import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { importedPackages } from './imports.js';
import { run } from './run.js';
import { ROOT } from './workspace.js';

/** The export condition that points workspace tools at src/ (docs/decisions/000): never in a tarball. */
const SOURCE_CONDITION = '@svcnet/source';

/**
 * What a user needs in a tarball: the manifest, the README, compiled code and its types, bins, the
 * demo, and what an install script builds from (@svcnet/dns compiles its optional addon where it is
 * installed: native/*.c and scripts/*.mjs, decision 017).
 */
const NEEDED = [/^package\.json$/, /^README\.md$/, /^(LICENSE|CHANGELOG\.md)$/, /^dist\/.+\.(js|d\.ts)$/, /^bin\/[\w-]+\.js$/, /^examples\/[\w.-]+\.ya?ml$/, /^native\/[\w.-]+\.c$/, /^scripts\/[\w.-]+\.mjs$/];
/** Never shipped, wherever they are: tests, fixtures, build info, source maps, TypeScript sources. */
const NEVER = [/\.test\./, /(^|\/)(test|tests|__tests__|fixtures)\//, /\.tsbuildinfo$/, /\.map$/, /(^|\/)src\//];

export interface Manifest {
  name: string;
  version: string;
  main?: string;
  types?: string;
  bin?: Record<string, string>;
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** Files in the tarball that a user does not need. */
export function unneededFiles(files: readonly string[]): string[] {
  return files.filter((f) => !NEEDED.some((re) => re.test(f)) || NEVER.some((re) => re.test(f)));
}

/** Entry points (`main`, `types`, `bin`, every `exports` target but the workspace's source condition) missing from the tarball. */
export function missingEntryPoints(manifest: Manifest, files: readonly string[]): string[] {
  const targets: Array<[string, string]> = [];
  if (manifest.main) targets.push(['main', manifest.main]);
  if (manifest.types) targets.push(['types', manifest.types]);
  for (const [name, path] of Object.entries(manifest.bin ?? {})) targets.push([`bin.${name}`, path]);
  const walk = (value: unknown, at: string) => {
    if (typeof value === 'string') targets.push([at, value]);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) if (k !== SOURCE_CONDITION) walk(v, `${at}[${JSON.stringify(k)}]`);
    }
  };
  walk(manifest.exports, 'exports');
  const have = new Set(files);
  return targets.filter(([, path]) => !have.has(path.replace(/^\.\//, ''))).map(([at, path]) => `${at}: ${path} is not in the tarball`);
}

/** Dependencies the published code does not import, and imports that are not dependencies. */
export function dependencyMismatches(manifest: Manifest, unpacked: string): string[] {
  const imported = importedPackages(unpacked);
  const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
  return [
    ...[...declared].filter((d) => !imported.has(d)).map((d) => `${d}: a dependency that no published file imports (test-only? a devDependency)`),
    ...[...imported].filter(([name]) => !declared.has(name)).map(([name, file]) => `${name}: imported by ${file} but not a dependency`),
  ];
}

/** publint's errors, warnings and suggestions for the tarball (strict: a warning counts). */
export async function publintProblems(tarball: string): Promise<string[]> {
  const data = await readFile(tarball);
  const { messages, pkg } = await publint({ pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer }, level: 'suggestion', strict: true });
  return messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false }) ?? m.code}`);
}

/**
 * @arethetypeswrong/cli on the tarball with the esm-only profile: the packages are ES modules only
 * (docs/decisions/011), so "a require() resolves to ESM" is the design; every other resolution, for
 * node10, node16 from ESM and bundlers, must find the types and the code. Undefined when clean.
 */
export async function attwProblems(tarball: string, cwd: string): Promise<string | undefined> {
  const attw = join(ROOT, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
  const r = await run(process.execPath, [attw, tarball, '--profile', 'esm-only', '--no-definitely-typed', '--format', 'ascii', '--no-color', '--no-emoji'], { cwd, timeoutMs: 120_000 });
  return r.code === 0 ? undefined : `${r.stdout}${r.stderr}`;
}
