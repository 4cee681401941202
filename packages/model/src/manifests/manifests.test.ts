import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestError, loadManifests, parseManifests } from './index.js';

const svc = (name: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  ports:\n  - port: 80\n`;

describe('parseManifests', () => {
  it('reads multi-document YAML with document indexes and lines, skipping empty documents', () => {
    const text = `---\n# only a comment\n---\n${svc('a')}---\n\n---\n${svc('b')}`;
    const r = parseManifests(text, 'x.yaml');
    expect(r.errors).toEqual([]);
    expect(r.objects.map((o) => [o.object.metadata?.name, o.index, o.line, o.source])).toEqual([
      ['a', 2, 4, 'x.yaml'],
      ['b', 4, 14, 'x.yaml'],
    ]);
  });

  it('reports apiVersion: vl with file, document and line, and still reads the other documents', () => {
    const text = `${svc('first')}---\nkind: Service\napiVersion: vl\nmetadata:\n  name: typo\n---\n${svc('third')}`;
    const r = parseManifests(text, 'examples/x.yaml');
    expect(r.objects.map((o) => o.object.metadata?.name)).toEqual(['first', 'third']);
    expect(r.errors).toHaveLength(1);
    const e = r.errors[0]!;
    expect(e).toBeInstanceOf(ManifestError);
    expect(e.code).toBe('UnservedApiVersion');
    expect(e.message).toBe('examples/x.yaml: document 2 (line 10): apiVersion "vl" is not served for kind Service: did you mean "v1"?');
  });

  it('explains removed API versions and misspelt kinds, and skips the kinds svcnet does not use', () => {
    const r = parseManifests(
      [
        'apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: a}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}',
        'apiVersion: v1\nkind: service\nmetadata: {name: c}',
        'apiVersion: v1\nmetadata: {name: d}',
        'kind: Pod\nmetadata: {name: e}',
        'apiVersion: apps/v1beta1\nkind: StatefulSet\nmetadata: {name: f}',
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: g}',
        'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: h}',
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: i}',
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: j}',
        'apiVersion: v1\nkind: Widget\nmetadata: {name: k}',
        'apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: l}',
      ].join('\n---\n'),
    );
    expect(r.objects.map((o) => o.object.metadata?.name)).toEqual(['g']);
    expect(r.skipped.map((d) => [d.kind, d.name, d.index, d.line])).toEqual([
      ['ConfigMap', 'b', 2, 5],
      ['Certificate', 'h', 8, 27],
      ['Namespace', 'i', 9, 31],
      ['ClusterRole', 'j', 10, 35],
    ]);
    expect(r.errors.map((e) => [e.code, e.index])).toEqual([
      ['UnservedApiVersion', 1],
      ['UnsupportedKind', 3],
      ['MissingKind', 4],
      ['MissingApiVersion', 5],
      ['UnservedApiVersion', 6],
      ['UnsupportedKind', 11],
      ['UnsupportedKind', 12],
    ]);
    expect(r.errors[0]!.reason).toBe('apiVersion "extensions/v1beta1" is not served for kind Ingress: it was removed in Kubernetes 1.22; use "networking.k8s.io/v1"');
    expect(r.errors[1]!.reason).toBe('kind "service" is not known: did you mean "Service"?');
    expect(r.errors[3]!.reason).toBe('apiVersion is required: use "v1" for kind Pod');
    expect(r.errors[5]!.reason).toMatch(/^kind Widget is not served for apiVersion "v1": svcnet reads Service, .* and skips the other built-in kinds and custom resources$/);
    expect(r.errors[6]!.reason).toBe('kind "Deploymnet" is not known: did you mean "Deployment"?');
  });

  it('expands kind: List with item lines, and reads JSON', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n- ${svc('a').replaceAll('\n', '\n  ').trimEnd()}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n- 42\n`;
    const r = parseManifests(list, 'l.yaml');
    expect(r.objects.map((o) => [o.object.kind, o.item, o.line])).toEqual([
      ['Service', 1, 4],
      ['Pod', 2, 11],
    ]);
    expect(r.errors.map((e) => [e.code, e.line])).toEqual([['NotAnObject', 14]]);
    const json = parseManifests(JSON.stringify({ kind: 'List', apiVersion: 'v1', items: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'j' } }] }, null, 2), 'x.json');
    expect(json.errors).toEqual([]);
    expect(json.objects[0]!.object.metadata?.name).toBe('j');
  });

  it('gives every line as a plain number, so a parse kept for later does not keep its text or syntax tree alive (issue 18)', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n- ${svc('a').replaceAll('\n', '\n  ').trimEnd()}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n`;
    const json = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'j' } }] }, null, 2);
    for (const r of [parseManifests(`${svc('plain')}---\n${list}`, 'x.yaml'), parseManifests(json, 'x.json')]) {
      for (const entry of [...r.objects, ...r.skipped]) {
        // A getter (as the lazy line once was) closes over the text; a data property holds only the number.
        expect(Object.getOwnPropertyDescriptor(entry, 'line')).toMatchObject({ value: expect.any(Number), writable: true });
      }
    }
    const yaml = parseManifests(`${svc('plain')}---\n${list}`, 'x.yaml');
    expect([...yaml.objects, ...yaml.skipped].map((o) => o.line)).toEqual([1, 12, 19]);
  });

  it('reads JSON with the JSON parser: List item lines found when asked, no per-document limit on a List', () => {
    const items = [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', note: '{"items": [1, 2]}' } }, 42, { apiVersion: 'v1', kind: 'Servce', metadata: { name: 'c' } }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd' } }];
    const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 2);
    const r = parseManifests(text, 'l.json');
    const lineOf = (needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;
    expect(r.objects.map((o) => [o.object.metadata?.name, o.item, o.line])).toEqual([['a', 1, lineOf('{\n      "apiVersion": "v1",\n      "kind": "Service"')]]);
    expect(r.errors.map((e) => [e.code, e.line])).toEqual([
      ['NotAnObject', lineOf('42')],
      ['UnsupportedKind', lineOf('"Servce"') - 2],
    ]);
    expect(r.skipped.map((d) => [d.kind, d.line])).toEqual([['ConfigMap', lineOf('"ConfigMap"') - 2]]);
    // A cluster dump is one List far above the 3 MiB document limit; its items are what count.
    const many = Array.from({ length: 20_000 }, (_, i) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, namespace: 'default' }, spec: { ports: [{ port: 80 }] } }));
    const big = parseManifests(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: many }), 'big.json', { maxBytes: 64 << 20 });
    expect(big.errors).toEqual([]);
    expect(big.objects).toHaveLength(20_000);
  });

  it('reports syntax errors with their line and keeps the good documents', () => {
    const r = parseManifests(`${svc('ok')}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: [unclosed\n`, 's.yaml');
    expect(r.objects).toHaveLength(1);
    expect(r.errors[0]!.code).toBe('SyntaxError');
    expect(r.errors[0]!.index).toBe(2);
    expect(r.errors[0]!.line).toBeGreaterThanOrEqual(11);
    expect(r.errors[0]!.message).toMatch(/^s\.yaml: document 2 \(line \d+\): /);
    const notObj = parseManifests('- a\n- b\n---\njust text\n');
    expect(notObj.errors.map((e) => e.code)).toEqual(['NotAnObject', 'NotAnObject']);
  });

  it('guards against YAML bombs: aliases, depth and size', () => {
    const lol = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) lol.push(`${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${new Array(9).fill(`*${'abcdefghi'[i - 1]}`).join(',')}]`);
    const bomb = parseManifests(`${lol.join('\n')}\nkind: Service\n`, 'bomb.yaml');
    expect(bomb.objects).toEqual([]);
    expect(bomb.errors[0]!.code).toBe('TooManyAliases');
    const deep = parseManifests(`apiVersion: v1\nkind: Service\nspec: ${'['.repeat(100)}${']'.repeat(100)}\n`);
    expect(deep.errors[0]!.code).toBe('TooDeep');
    const huge = parseManifests('x'.repeat(100), 'h.yaml', { maxBytes: 50 });
    expect(huge.errors[0]!.code).toBe('TooLarge');
    const veryDeep = parseManifests(`a: ${'['.repeat(200_000)}`);
    expect(veryDeep.objects).toEqual([]);
    expect(veryDeep.errors.map((e) => e.code)).toEqual(['TooDeep']);
    // Brackets inside quotes and comments do not count.
    const quoted = parseManifests(`apiVersion: v1\nkind: Pod\nmetadata: {name: p, annotations: {a: "${'['.repeat(100)}"}} # ${'{'.repeat(100)}\n`);
    expect(quoted.errors).toEqual([]);
    const many = parseManifests(`a: [\n${'  - ]\n'.repeat(50)}`);
    expect(many.errors.length).toBeLessThanOrEqual(6);
  });
});

describe('loadManifests', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `svcnet-manifests-${process.pid}-`));
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'b.yaml'), svc('b'));
    await writeFile(join(dir, 'a.yml'), svc('a'));
    await writeFile(join(dir, 'sub', 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'c' } }));
    await writeFile(join(dir, 'notes.txt'), 'not a manifest');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a folder's files as kubectl -f does, sorted, manifest extensions only; -R descends", async () => {
    const top = await loadManifests(dir);
    expect(top.errors).toEqual([]);
    expect(top.objects.map((o) => o.object.metadata?.name)).toEqual(['a', 'b']);
    const r = await loadManifests(dir, { recursive: true });
    expect(r.errors).toEqual([]);
    expect(r.objects.map((o) => o.object.metadata?.name)).toEqual(['a', 'b', 'c']);
    expect(r.objects[2]!.source).toBe(join(dir, 'sub', 'c.json'));
  });

  it('reads `-` from standard input, between other paths, in the order given', async () => {
    const r = await loadManifests([join(dir, 'b.yaml'), '-'], { stdin: async () => svc('from-stdin') });
    expect(r.objects.map((o) => [o.object.metadata?.name, o.source])).toEqual([
      ['b', join(dir, 'b.yaml')],
      ['from-stdin', '<stdin>'],
    ]);
  });

  it('reads files and folders together and reports missing paths without throwing', async () => {
    const r = await loadManifests([join(dir, 'b.yaml'), join(dir, 'missing.yaml')]);
    expect(r.objects.map((o) => o.object.metadata?.name)).toEqual(['b']);
    expect(r.errors.map((e) => e.code)).toEqual(['ReadFailed']);
    expect(r.errors[0]!.message).toBe(`${join(dir, 'missing.yaml')}: cannot read: no such file or directory`);
  });
});

describe('hints', () => {
  it('names the repeated key when a document separator is missing, and case slips in kind/apiVersion', () => {
    const r = parseManifests('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nkind: Service\n', 'm.yaml');
    expect(r.errors[0]!.message).toBe('m.yaml: document 1 (line 4): Map keys must be unique: "kind" appears twice in one mapping (is a "---" document separator missing?)');
    const k = parseManifests('apiVersion: v1\nKind: Endpoints\nmetadata: {name: e}\n');
    expect(k.errors[0]!.reason).toBe('kind is required: found "Kind", but field names are case-sensitive; write "kind"');
    expect(k.errors[0]!.line).toBe(2);
    const a = parseManifests('ApiVersion: v1\nkind: Service\nmetadata: {name: e}\n');
    expect(a.errors[0]!.reason).toBe('apiVersion is required: found "ApiVersion", but field names are case-sensitive; write "apiVersion: v1"');
  });
});

describe('hostile nesting in one document', () => {
  it('refuses only the deep document and keeps the others in the file', () => {
    const deep = `${'['.repeat(200)}${']'.repeat(200)}`;
    const text = [
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: first\nspec:\n  ports:\n  - port: 80',
      `apiVersion: v1\nkind: Service\nmetadata:\n  name: deep\nspec:\n  x: ${deep}`,
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: last\nspec:\n  ports:\n  - port: 81',
    ].join('\n---\n');
    const r = parseManifests(text, 'mixed.yaml');
    expect(r.objects.map((o) => o.object.metadata?.name)).toEqual(['first', 'last']);
    expect(r.objects[1]!.index).toBe(3);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.code).toBe('TooDeep');
    expect(r.errors[0]!.message).toContain('mixed.yaml: document 2 (line 8)');
  });
});
