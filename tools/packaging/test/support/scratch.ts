import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, runOk, userEnv } from './run.js';
import { ROOT } from './workspace.js';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** The @types/node the workspace builds with: a TypeScript user of a Node library brings their own. */
export const TYPES_NODE = `@types/node@${(JSON.parse(readFileSync(join(ROOT, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string }).version}`;

/**
 * An empty project as a user would make it, whose npm config sends only the @svcnet scope to
 * `registry`: everything else comes from the registry npm is configured with.
 */
export async function scratchProject(dir: string, registry: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name: 'try-svcnet', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`);
  await writeFile(join(dir, '.npmrc'), `@svcnet:registry=${registry}\n`);
  return dir;
}

export async function npmInstall(dir: string, args: readonly string[]): Promise<void> {
  await runOk('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...args], { cwd: dir, env: userEnv(), timeoutMs: 240_000 });
}

/** The TypeScript settings READMEs are compiled under: Node's own resolution, and a bundler's. */
export const TS_MODES = {
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
} as const;

/** `tsc --noEmit` over `files` in `dir` under one mode; the compiler's output when it fails. */
export async function typecheck(dir: string, files: readonly string[], mode: keyof typeof TS_MODES): Promise<string | undefined> {
  const config = join(dir, `tsconfig.${mode}.json`);
  const compilerOptions = { ...TS_MODES[mode], target: 'es2022', lib: ['es2023'], types: ['node'], strict: true, noEmit: true, skipLibCheck: false };
  await writeFile(config, JSON.stringify({ compilerOptions, files }, null, 2));
  const r = await run(process.execPath, [TSC, '-p', config, '--pretty', 'false'], { cwd: dir, timeoutMs: 180_000 });
  return r.code === 0 ? undefined : `${r.stdout}${r.stderr}`;
}
