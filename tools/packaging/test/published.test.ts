import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binary, describeWith, type Requirement } from '@svcnet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRegistry, type LocalRegistry } from './support/localRegistry.js';
import { codeBlocks, expectedOutput, opening, squash, transcript } from './support/readme.js';
import { resolveA, withServer } from './support/server.js';
import { downloadTarball, packument } from './support/registryFiles.js';
import { run, runOk, userEnv } from './support/run.js';
import { TS_MODES, TYPES_NODE, npmInstall, scratchProject, typecheck } from './support/scratch.js';
import { attwProblems, dependencyMismatches, missingEntryPoints, publintProblems, unneededFiles, type Manifest } from './support/wellFormed.js';
import { ROOT, publicWorkspaces, releasedPackages, type ReleasedPackage } from './support/workspace.js';

// The packages as users get them (issue 21): published by `nx release publish` to a registry on
// loopback that alone holds @svcnet/*, svcnet and svcnet-agent, checked by the ecosystem's tools,
// installed one at a time by name into empty projects, their README examples run and compiled as
// written, and the two apps installed globally and run.

/** Third-party dependencies come from the registry npm is configured with: it must answer. */
const npmRegistry: Requirement = {
  name: 'npm registry',
  check: () => {
    try {
      execFileSync('npm', ['ping'], { stdio: 'ignore', timeout: 30_000, env: userEnv() });
      return undefined;
    } catch {
      return 'the npm registry does not answer `npm ping` (third-party dependencies install from it)';
    }
  },
};

const PACKAGES = releasedPackages();
/**
 * Type packages a TypeScript user adds beside a package (skipLibCheck off), and why: each is said in
 * that package's README.
 */
const USER_TYPES: Record<string, string[]> = {
  // @kubernetes/client-node's declarations import `ws` but do not depend on @types/ws.
  '@svcnet/sources': ['@types/ws@^8'],
};
const LIBRARIES = PACKAGES.filter((p) => !p.app);

interface Published extends ReleasedPackage {
  tarball: string;
  bytes: number;
  files: string[];
  unpacked: string;
  manifest: Manifest;
}

/** A package and the @svcnet packages it needs, transitively, from the published manifests. */
function ownClosure(name: string): string[] {
  const seen = new Set<string>();
  const visit = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const d of Object.keys(PUBLISHED.get(n)?.manifest.dependencies ?? {})) if (d.startsWith('@svcnet/')) visit(d);
  };
  visit(name);
  return [...seen];
}

const PUBLISHED = new Map<string, Published>();

describeWith('the packages as users get them', [binary('npm', 'npm'), binary('tar', 'tar'), npmRegistry], () => {
  let work: string;
  let registry: LocalRegistry | undefined;

  beforeAll(async () => {
    const started = Date.now();
    work = await mkdtemp(join(tmpdir(), `svcnet-published-${process.pid}-`));
    registry = await startLocalRegistry(join(work, 'registry'));
    // The maintainers' command (README: "Release"), against this registry; builds come from nx's cache.
    await runOk('npx', ['nx', 'release', 'publish', '--registry', registry.url, '--output-style=stream'], {
      cwd: ROOT,
      env: userEnv({ NPM_CONFIG_USERCONFIG: registry.npmrc, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' }),
      timeoutMs: 300_000,
    });
    await mkdir(join(work, 'tarballs'));
    for (const pkg of PACKAGES) {
      const { file, bytes } = await downloadTarball(registry.url, pkg.name, pkg.version, join(work, 'tarballs'));
      const unpacked = join(work, 'unpacked', pkg.name);
      await mkdir(unpacked, { recursive: true });
      await runOk('tar', ['-xzf', file, '-C', unpacked, '--strip-components=1'], { cwd: work, timeoutMs: 30_000 });
      const files = (await runOk('tar', ['-tzf', file], { cwd: work, timeoutMs: 30_000 })).stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
      const manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as Published['manifest'];
      PUBLISHED.set(pkg.name, { ...pkg, tarball: file, bytes, files, unpacked, manifest });
    }
    const sizes = [...PUBLISHED.values()].map((p) => `${p.name}@${p.version}: ${(p.bytes / 1024).toFixed(1)} KiB, ${p.files.length} files, ${Object.keys(p.manifest.dependencies ?? {}).length} dependencies`);
    console.log(`[packaging] published to ${registry.url} in ${((Date.now() - started) / 1000).toFixed(0)} s\n  ${sizes.join('\n  ')}`);
  }, 420_000);

  afterAll(async () => {
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  }, 30_000);

  it('releases every public package and app, all at one version (fixed release group)', async () => {
    expect(PACKAGES.map((p) => p.name).sort()).toEqual(publicWorkspaces().sort());
    expect(new Set(PACKAGES.map((p) => p.version)).size).toBe(1);
    for (const pkg of PACKAGES) {
      const doc = await packument(registry!.url, pkg.name);
      expect(Object.keys(doc.versions), pkg.name).toEqual([pkg.version]);
      expect(doc['dist-tags']['latest'], pkg.name).toBe(pkg.version);
    }
  });

  describe.each(PACKAGES.map((p) => p.name))('the tarball of %s', (name) => {
    const get = () => PUBLISHED.get(name)!;

    it('holds what users need and nothing else, and its entry points resolve', () => {
      const p = get();
      expect(p.files).toContain('README.md');
      expect(p.files.some((f) => f.startsWith('dist/') && f.endsWith('.js'))).toBe(true);
      expect(unneededFiles(p.files)).toEqual([]);
      expect(missingEntryPoints(p.manifest, p.files)).toEqual([]);
    });

    it('depends on exactly what its published code imports', () => {
      const p = get();
      expect(dependencyMismatches(p.manifest, p.unpacked)).toEqual([]);
      const own = Object.entries(p.manifest.dependencies ?? {}).filter(([d]) => d.startsWith('@svcnet/'));
      expect(own.filter(([, range]) => range !== p.version), 'svcnet packages depend on each other at the released version').toEqual([]);
    });

    it('is clean for publint (strict)', async () => {
      expect(await publintProblems(get().tarball)).toEqual([]);
    });

    it('is clean for arethetypeswrong (ES modules only)', async () => {
      expect(await attwProblems(get().tarball, work)).toBeUndefined();
    }, 120_000);
  });

  it('ships the demo: svcnet carries examples/*.yaml as they are in the repository', () => {
    const p = PUBLISHED.get('svcnet')!;
    const manifests = readdirSync(join(ROOT, 'examples')).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
    expect(p.files.filter((f) => f.startsWith('examples/')).map((f) => f.slice('examples/'.length)).sort()).toEqual(manifests);
    for (const f of manifests) expect(readFileSync(join(p.unpacked, 'examples', f), 'utf8'), f).toBe(readFileSync(join(ROOT, 'examples', f), 'utf8'));
  });

  describe.concurrent('installed alone, by name, into an empty project', () => {
    it.each(LIBRARIES.map((p) => p.name))('%s: its README example runs as written, its TypeScript examples compile', async (name) => {
      const pkg = PUBLISHED.get(name)!;
      const dir = await scratchProject(join(work, 'try', name.replace('@svcnet/', '')), registry!.url);
      const readme = readFileSync(join(ROOT, pkg.dir, 'README.md'), 'utf8');
      const start = opening(readme);
      expect(start.title).toBe(name);
      expect(start.install).toBe(`npm install ${name}`);
      expect(start.example?.lang).toBe('js');

      await npmInstall(dir, [name, TYPES_NODE, ...(USER_TYPES[name] ?? [])]);
      const installed = readdirSync(join(dir, 'node_modules', '@svcnet')).map((n) => `@svcnet/${n}`);
      expect(installed.sort(), 'the package and the @svcnet packages it depends on, nothing else').toEqual(ownClosure(name).sort());

      await writeFile(join(dir, 'example.mjs'), start.example!.code);
      const ran = await run(process.execPath, ['example.mjs'], { cwd: dir, timeoutMs: 60_000 });
      expect(ran.stderr, `README.md line ${start.example!.line}`).toBe('');
      expect(ran.code).toBe(0);
      expect(ran.stdout.split('\n').filter(Boolean).map(squash)).toEqual(expectedOutput(start.example!.code));

      const ts = codeBlocks(readme).filter((b) => b.lang === 'ts');
      expect(ts.length, 'a TypeScript usage example').toBeGreaterThan(0);
      const files = await Promise.all(ts.map(async (b, i) => (await writeFile(join(dir, `readme-${i + 1}.ts`), `// README.md line ${b.line}\n${b.code}`), `readme-${i + 1}.ts`)));
      for (const mode of Object.keys(TS_MODES) as (keyof typeof TS_MODES)[]) {
        expect(await typecheck(dir, files, mode), `tsc --noEmit, ${mode}`).toBeUndefined();
      }
    }, 300_000);

    it('npm install -g svcnet svcnet-agent: --version, the READMEs\' examples (the bundled demo, the agent serving DNS) and --help work', async () => {
      const prefix = join(work, 'global');
      const elsewhere = join(work, 'elsewhere'); // no examples/ here: the demo must come from the package
      await mkdir(join(elsewhere, 'manifests'), { recursive: true });
      // Unscoped names cannot be routed by scope: this install asks the local registry for everything
      // (it passes other packages through from npm's registry).
      await runOk('npm', ['install', '-g', '--prefix', prefix, '--registry', registry!.url, '--no-audit', '--no-fund', '--loglevel=error', 'svcnet', 'svcnet-agent'], {
        cwd: elsewhere,
        env: userEnv(),
        timeoutMs: 300_000,
      });
      const env = userEnv({ PATH: `${join(prefix, 'bin')}:${process.env['PATH']}` });
      const shell = (command: string, timeoutMs = 60_000) => run('bash', ['-c', command], { cwd: elsewhere, env, timeoutMs });

      const version = await shell('svcnet --version');
      expect(version.stdout.trim()).toBe(PUBLISHED.get('svcnet')!.version);

      // svcnet's README: the demo that ships inside the package, as the transcript shows it.
      const tui = transcript(readFileSync(join(ROOT, 'apps', 'tui', 'README.md'), 'utf8'));
      expect(tui.install).toBe('npm install -g svcnet');
      expect(tui.commands).toEqual(['svcnet --once']);
      const demo = await shell(tui.commands[0]!);
      expect(demo.code, demo.stderr).toBe(0);
      const rows = (out: string) => new Set(out.split('\n').map((l) => squash(l).split(' ').slice(0, 3).join(' ')));
      const shown = rows(demo.stdout);
      expect(tui.output.filter((l) => !shown.has(squash(l).split(' ').slice(0, 3).join(' '))), demo.stdout).toEqual([]);
      // The same Services as the checkout's demo (addresses are allocated at random; names and types are the demo).
      const checkout = await run(process.execPath, [join(ROOT, 'apps', 'tui', 'bin', 'svcnet.js'), '--once'], { cwd: elsewhere, env, timeoutMs: 60_000 });
      expect(checkout.code, checkout.stderr).toBe(0);
      expect([...shown].sort()).toEqual([...rows(checkout.stdout)].sort());

      // svcnet-agent's README: DNS for a folder of manifests, until stopped.
      const agent = transcript(readFileSync(join(ROOT, 'apps', 'node-agent', 'README.md'), 'utf8'));
      expect(agent.install).toBe('npm install -g svcnet-agent');
      expect(agent.commands).toHaveLength(1);
      await writeFile(join(elsewhere, 'manifests', 'nginx.yaml'), readFileSync(join(ROOT, 'examples', 'nginx-clusterip.yaml')));
      const dns = /--dns-listen (\S+)/.exec(agent.commands[0]!)![1]!;
      const answer = await withServer(agent.commands[0]!, { cwd: elsewhere, env }, () => resolveA(dns, 'nginx.default.svc.cluster.local', 60_000));
      expect(answer.exit, answer.output).toBe(0);
      expect(answer.value).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

      const help = await shell('svcnet-agent --help');
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/^Usage: svcnet-agent/m);
    }, 400_000);
  });
});
