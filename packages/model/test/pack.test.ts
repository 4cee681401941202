import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { binary, describeWith } from '@svcnet/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';

// What a user of the published package gets: `npm pack`, install the tarball into an empty folder,
// import it with plain Node (no source condition, no workspace, no TypeScript).
const exec = promisify(execFile);
const PKG = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = join(PKG, '..', '..');

/** Newest modification time under `dir` (files only). */
async function newest(dir: string): Promise<number> {
  let t = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

describeWith('@svcnet/model as a published package', [binary('npm', 'npm')], () => {
  let work: string;
  let tarball: string;
  let files: string[];

  beforeAll(async () => {
    const dist = join(PKG, 'dist', 'index.js');
    // Build when dist is missing or older than the sources (nx's ^build does not build this package itself).
    if (!existsSync(dist) || statSync(dist).mtimeMs < (await newest(join(PKG, 'src')))) {
      await exec('npx', ['tsc', '-b', 'packages/model/tsconfig.lib.json'], { cwd: ROOT, timeout: 110_000 });
    }
    work = await mkdtemp(join(tmpdir(), `svcnet-pack-${process.pid}-`));
    const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', work], { cwd: PKG, timeout: 60_000 });
    const info = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(work, info[0]!.filename);
    files = info[0]!.files.map((f) => f.path);
    const app = join(work, 'app');
    await exec('mkdir', ['-p', app]);
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'pack-check', private: true, type: 'module' }));
    await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', '--loglevel=error', tarball], { cwd: app, timeout: 100_000 });
  }, 120_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('packs dist, the README and package.json only', () => {
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('README.md');
    expect(files).toContain('package.json');
    expect(files.filter((f) => f.startsWith('src/') || f.includes('.test.') || f.endsWith('.map') || f.endsWith('.tsbuildinfo'))).toEqual([]);
  });

  it('imports with plain node and works', async () => {
    const script = `
      import { selectorMatches, parseSelector, parseCIDR, allocateClusterIP, parseManifests, admit, formatTable, serviceEnvironment } from '@svcnet/model';
      const m = parseManifests('apiVersion: v1\\nkind: Service\\nmetadata: {name: web}\\nspec: {selector: {app: web}, ports: [{port: 80}]}\\n---\\nkind: Service\\napiVersion: vl\\n', 'x.yaml');
      const svc = admit(m.objects[0].object);
      svc.spec.clusterIP = allocateClusterIP('10.96.0.0/12', new Set(), '10.96.0.20');
      console.log(JSON.stringify({
        match: selectorMatches({ app: 'web' }, { app: 'web', tier: 'fe' }),
        parsed: parseSelector('app in (web,db),!canary').toString(),
        size: String(parseCIDR('10.96.0.0/12').size),
        error: m.errors[0].message,
        type: svc.spec.type,
        env: serviceEnvironment([svc]).WEB_SERVICE_HOST,
        table: formatTable('Service', [svc], { now: 0 }).split('\\n')[1].split(/ +/).slice(0, 5),
      }));`;
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], { cwd: join(work, 'app'), timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({
      match: true,
      parsed: 'app in (db,web),!canary',
      size: '1048576',
      error: 'x.yaml: document 2 (line 7): apiVersion "vl" is not served for kind Service: did you mean "v1"?',
      type: 'ClusterIP',
      env: '10.96.0.20',
      table: ['web', 'ClusterIP', '10.96.0.20', '<none>', '80/TCP'],
    });
  });
});
