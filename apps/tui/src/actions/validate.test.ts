import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { registerValidate } from '../commands/validate.js';
import { validateManifests } from './validate.js';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'examples');
const BROKEN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'packages', 'model', 'test', 'fixtures', 'seed-broken');
const dir = mkdtempSync(join(tmpdir(), `svcnet-validate-${process.pid}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `svcnet validate ARGS` through a commander program, capturing stdout and the exit code. */
async function run(...args: string[]): Promise<{ out: string; code: number }> {
  let code = -1;
  const program = new Command('svcnet').exitOverride();
  registerValidate(program, (c) => (code = c));
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  try {
    await program.parseAsync(['validate', ...args], { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return { out: out.join(''), code };
}

describe('svcnet validate', () => {
  it('accepts a good file, prints a table and a summary, exits 0', async () => {
    const f = join(dir, 'good.yaml');
    writeFileSync(f, 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n');
    const { out, code } = await run('-f', f);
    expect(code).toBe(0);
    expect(out).toBe(`SOURCE${' '.repeat(f.length + 2 - 6 + 3)}KIND      NAMESPACE/NAME   RESULT\n${f}:1   Service   default/web      accepted\n\n1 object: 1 accepted, 0 invalid\n`);
  });

  it('lists every error of an invalid object and manifest errors, exits 1', async () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(
      f,
      [
        'apiVersion: v1\nkind: Service\nmetadata: {name: two-ports}\nspec:\n  ports: [{port: 80}, {port: 443}]',
        'kind: Service\napiVersion: vl\nmetadata: {name: typo}',
        'apiVersion: v1\nkind: Service\nmetadata: {name: ok}\nspec:\n  ports: [{port: 80}]',
      ].join('\n---\n'),
    );
    const { out, code } = await run('-f', f);
    expect(code).toBe(1);
    const lines = out.split('\n');
    expect(lines[1]).toMatch(/bad\.yaml:1 +Service +default\/two-ports +spec\.ports\[0\]\.name: Required value/);
    expect(lines[2]).toMatch(/^ +spec\.ports\[1\]\.name: Required value/);
    expect(out).toMatch(/bad\.yaml:8 +- +- +apiVersion "vl" is not served for kind Service: did you mean "v1"\?/);
    expect(out).toMatch(/bad\.yaml:11 +Service +default\/ok +accepted/);
    expect(out.trimEnd().split('\n').at(-1)).toBe('2 objects: 1 accepted, 1 invalid; 1 document could not be read');
  });

  it('-o json gives the same report as data', async () => {
    const { out, code } = await run('-f', join(BROKEN, 'externalips-apiversion-typo.yaml'), '-o', 'json');
    expect(code).toBe(1);
    const report = JSON.parse(out);
    expect(report.unreadable).toBe(1);
    expect(report.entries[0].code).toBe('UnservedApiVersion');
  });

  it('accepts every top-level example and rejects the broken ones', async () => {
    const good = await validateManifests(
      ['nginx-clusterip.yaml', 'headless-statefulset.yaml', 'ingress-tls-paths.yaml', 'service-field-reference.yaml'].map((f) => join(EXAMPLES, f)),
    );
    expect(good.invalid + good.unreadable).toBe(0);
    expect(good.accepted).toBeGreaterThan(8);
    const { out, code } = await run('-f', BROKEN);
    expect(code).toBe(1);
    expect(out).toContain("spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'");
    expect(out).toContain('Map keys must be unique: "kind" appears twice');
  });

  it('reports a missing path and an empty folder as failures', async () => {
    const missing = await run('-f', join(dir, 'nope.yaml'));
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('cannot read: no such file or directory');
    const empty = mkdtempSync(join(dir, 'empty-'));
    const none = await run('-f', empty);
    expect(none.code).toBe(1);
    expect(none.out).toContain('no manifests found');
  });
});
