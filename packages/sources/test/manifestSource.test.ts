import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '@svcnet/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManifestSource, type ManifestProblem, WorkloadSimulator } from '../src/index.js';
import { eventually } from './eventually.js';

const service = (name: string, port = 80, ns = 'default') => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  selector:
    app: ${name}
  ports:
  - port: ${port}
    targetPort: 8080
`;

const deployment = (name: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: web
        image: nginx
        ports: [{containerPort: 8080}]
`;

let dir: string;
let store: MemoryStore;
const cleanups: Array<() => Promise<void>> = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), `svcnet-manifests-${process.pid}-`));
  store = new MemoryStore();
});

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function source(options: Partial<ConstructorParameters<typeof ManifestSource>[1]> = {}) {
  const s = new ManifestSource(store, { paths: dir, watch: false, ...options });
  cleanups.push(() => s.stop());
  return s;
}

const services = async () => (await store.list('Service')).items.map((s) => `${s.metadata!.name}:${s.spec!.ports![0]!.port}`).sort();

describe('ManifestSource', () => {
  it('applies a folder on start, then re-applies added, changed and removed objects', async () => {
    writeFileSync(join(dir, 'a.yaml'), `${service('web')}---\n${service('api', 81)}`);
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { ports: [{ port: 5432 }] } }));
    const s = source();
    const first = await s.start();
    expect(first).toMatchObject({ created: 3, updated: 0, deleted: 0, problems: [] });
    expect(await services()).toEqual(['api:81', 'db:5432', 'web:80']);
    const web = await store.get('Service', 'default', 'web');
    expect(web!.metadata!.annotations!['svcnet.io/source']).toBe(`file:${join(dir, 'a.yaml')}`);
    expect(web!.spec!.clusterIP).toMatch(/^10\./); // the store allocated it: manifests go through validation and defaults

    writeFileSync(join(dir, 'a.yaml'), `${service('web', 8000)}`); // web changed, api removed
    unlinkSync(join(dir, 'b.json')); // db removed with its file
    writeFileSync(join(dir, 'c.yml'), service('cache', 6379)); // added
    const second = await s.sync();
    expect(second).toMatchObject({ created: 1, updated: 1, deleted: 2, problems: [] });
    expect(await services()).toEqual(['cache:6379', 'web:8000']);

    // Nothing changed: nothing written.
    const revision = (await store.list('Service')).revision;
    expect(await s.sync()).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    expect((await store.list('Service')).revision).toBe(revision);
    expect(s.status()).toMatchObject({ files: 2, objects: 2, syncs: 3, problems: [] });
  });

  it('applies the good documents of a file with a bad one and reports the bad one with file, document and line', async () => {
    const file = join(dir, 'mixed.yaml');
    const bad = service('broken', 0); // port 0: rejected by validation
    writeFileSync(file, `${service('one')}---\n${bad}---\nkind: Service\napiVersion: v1\nmetadata: {name: [unclosed\n---\n${service('three')}`);
    const reported: ManifestProblem[] = [];
    const s = source({ onProblem: (p) => reported.push(p) });
    const result = await s.start();
    expect(await services()).toEqual(['one:80', 'three:80']);
    expect(result.created).toBe(2);
    const invalid = result.problems.find((p) => p.code === 'Invalid')!;
    expect(invalid).toMatchObject({ file, document: 2, line: 13 });
    expect(invalid.message).toBe(`${file}: document 2 (line 13): Service "broken" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive`);
    const syntax = result.problems.find((p) => p.code === 'SyntaxError')!;
    expect(syntax).toMatchObject({ file, document: 3 });
    expect(syntax.line).toBeGreaterThanOrEqual(25);
    // Every problem names the bad document; none names the good ones (documents 1 and 4).
    expect(new Set(result.problems.map((p) => p.document))).toEqual(new Set([2, 3]));
    expect(reported).toEqual(result.problems);
    expect(s.status().problems).toEqual(result.problems);

    // A rescan with nothing changed reports nothing new and does not retry the invalid object.
    const again = await s.sync();
    expect(again.problems).toEqual(result.problems);
    expect(reported).toHaveLength(result.problems.length);

    // While the file has errors, an object that disappears from it is kept, not deleted.
    writeFileSync(file, `${service('one')}---\nkind: [\n`);
    const kept = await s.sync();
    expect(kept.kept).toBe(1);
    expect(await services()).toEqual(['one:80', 'three:80']);
    // Once it is clean again, the removal takes effect and the problems clear.
    writeFileSync(file, service('one'));
    const clean = await s.sync();
    expect(clean).toMatchObject({ deleted: 1, problems: [] });
    expect(await services()).toEqual(['one:80']);
  });

  it('sends Deployments to the simulator, scales and removes their pods as the file changes', async () => {
    const sim = new WorkloadSimulator(store, { readyDelayMs: 60_000 });
    cleanups.push(() => sim.stop());
    await sim.start();
    writeFileSync(join(dir, 'app.yaml'), `${service('web')}---\n${deployment('web', 3)}`);
    const s = source({ simulator: sim });
    expect(await s.start()).toMatchObject({ created: 2, problems: [] });
    await sim.settle();
    expect((await store.list('Pod')).items).toHaveLength(3);

    writeFileSync(join(dir, 'app.yaml'), `${service('web')}---\n${deployment('web', 1)}`);
    expect(await s.sync()).toMatchObject({ updated: 1 });
    await sim.settle();
    expect((await store.list('Pod')).items).toHaveLength(1);

    writeFileSync(join(dir, 'app.yaml'), service('web'));
    expect(await s.sync()).toMatchObject({ deleted: 1 });
    await sim.settle();
    expect((await store.list('Pod')).items).toHaveLength(0);
  });

  it('schedules and starts a bare Pod without an address (seed: NodePort with a bare Pod), and frees its address when removed', async () => {
    const sim = new WorkloadSimulator(store, { readyDelayMs: 0 });
    cleanups.push(() => sim.stop());
    await sim.start();
    const pod = (name: string, extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: {app: web}
spec:
${extra}  containers:
  - name: web
    image: nginx
    ports: [{containerPort: 8080}]
`;
    writeFileSync(join(dir, 'pods.yaml'), `${pod('bare')}---
${pod('pinned', '  nodeName: node-2\n')}---
${pod('elsewhere', '  nodeName: not-simulated\n')}`);
    const s = source({ simulator: sim });
    expect(await s.start()).toMatchObject({ created: 3, problems: [] });
    await sim.settle();
    const byName = async () => new Map((await store.list('Pod')).items.map((p) => [p.metadata!.name!, p]));
    const pods = await byName();
    expect(pods.get('bare')!.status).toMatchObject({ phase: 'Running', podIP: expect.stringMatching(/^10\.244\./) });
    expect(pods.get('bare')!.spec!.nodeName).toMatch(/^node-[12]$/);
    expect(pods.get('bare')!.metadata!.labels).toEqual({ app: 'web' });
    expect(pods.get('pinned')!.spec!.nodeName).toBe('node-2');
    // A Pod bound to a node nobody runs stays as written: Pending, no address (as in a cluster).
    expect(pods.get('elsewhere')!.status?.podIP).toBeUndefined();
    await eventually(async () => expect((await byName()).get('bare')!.status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('True'));
    expect(sim.status()).toMatchObject({ pods: 2, readyPods: 2 });

    // Re-applying the same file keeps the address; removing the Pod frees it.
    const ip = (await byName()).get('bare')!.status!.podIP;
    expect(await s.sync()).toMatchObject({ problems: [] });
    expect((await byName()).get('bare')!.status!.podIP).toBe(ip);
    writeFileSync(join(dir, 'pods.yaml'), pod('pinned', '  nodeName: node-2\n'));
    expect(await s.sync()).toMatchObject({ deleted: 2 });
    expect([...(await byName()).keys()]).toEqual(['pinned']);
    expect(sim.status().pods).toBe(1);
  });

  it('a status written in a manifest is the client\'s and is dropped: a bare Pod claiming 127.0.0.1 gets its address from the simulator (issue 22)', async () => {
    const sim = new WorkloadSimulator(store, { readyDelayMs: 0 });
    cleanups.push(() => sim.stop());
    await sim.start();
    writeFileSync(join(dir, 'pod.yaml'), `apiVersion: v1
kind: Pod
metadata: {name: claims-localhost, labels: {app: web}}
spec:
  containers: [{name: web, image: nginx, ports: [{containerPort: 8080}]}]
status:
  phase: Running
  podIP: 127.0.0.1
  podIPs: [{ip: 127.0.0.1}]
  conditions: [{type: Ready, status: "True"}]
`);
    const s = source({ simulator: sim });
    expect(await s.start()).toMatchObject({ created: 1, problems: [] });
    await sim.settle();
    const stored = await store.get('Pod', 'default', 'claims-localhost');
    expect(stored?.status?.podIP).toMatch(/^10\.244\./);
    expect(stored?.status?.podIPs).toEqual([{ ip: stored?.status?.podIP }]);
    // Without a simulator nobody plays kubelet: the Pod is stored as a client wrote it, minus the status.
    const plain = new MemoryStore();
    cleanups.push(() => plain.close());
    const bare = new ManifestSource(plain, { paths: dir, watch: false });
    expect(await bare.start()).toMatchObject({ created: 1, problems: [] });
    expect((await plain.get('Pod', 'default', 'claims-localhost'))?.status).toBeUndefined();
  });

  it('a bare Pod that names its addresses (svcnet.io/pod-ips) gets them, validated; a taken one leaves it Pending', async () => {
    const sim = new WorkloadSimulator(store, { readyDelayMs: 0, podCIDRs: ['10.244.0.0/16', 'fd00:10:244::/56'] });
    cleanups.push(() => sim.stop());
    await sim.start();
    const pod = (name: string, ips: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: web}, annotations: {svcnet.io/pod-ips: "${ips}"}}
spec: {containers: [{name: web, image: nginx}]}
`;
    writeFileSync(join(dir, 'pods.yaml'), [pod('real', '10.244.9.10,fd00:10:244:9::10'), pod('twin', '10.244.9.10'), pod('local', '127.0.0.1')].join('---\n'));
    const s = source({ simulator: sim });
    const r = await s.start();
    expect(r.problems.map((p) => p.message)).toEqual([
      expect.stringContaining('Pod "local" is invalid: metadata.annotations[svcnet.io/pod-ips]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)'),
    ]);
    await sim.settle();
    const stored = new Map((await store.list('Pod')).items.map((p) => [p.metadata!.name!, p]));
    expect(stored.get('real')!.status).toMatchObject({ podIP: '10.244.9.10', podIPs: [{ ip: '10.244.9.10' }, { ip: 'fd00:10:244:9::10' }] });
    // Another Pod asking for a held address is not started: Pending, no address (as a CNI would refuse it).
    expect(stored.get('twin')!.status).toBeUndefined();
    expect(stored.has('local')).toBe(false);
  });

  it('reports an invalid bare Pod with its field path and gives its address back', async () => {
    const sim = new WorkloadSimulator(store, { readyDelayMs: 60_000 });
    cleanups.push(() => sim.stop());
    await sim.start();
    writeFileSync(join(dir, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: broken}\nspec: {containers: []}\n');
    const s = source({ simulator: sim });
    const r = await s.start();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.message).toMatch(/spec\.containers: Required value/);
    expect((await store.list('Pod')).items).toHaveLength(0);
    expect(sim.status().pods).toBe(0);
  });

  it('keeps an adopted Pod and its address when an edit to it is rejected, so no other Pod gets that address', async () => {
    const sim = new WorkloadSimulator(store, { readyDelayMs: 60_000, nodes: ['node-1'] });
    cleanups.push(() => sim.stop());
    await sim.start();
    const pod = (name: string, image = 'nginx') => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, labels: {app: web}}\nspec: {containers: [{name: web, image: ${image}}]}\n`;
    writeFileSync(join(dir, 'a.yaml'), pod('a'));
    const s = source({ simulator: sim });
    expect(await s.start()).toMatchObject({ created: 1, problems: [] });
    const ipOf = async (name: string) => (await store.get('Pod', 'default', name))?.status?.podIP;
    const ipA = await ipOf('a');
    expect(ipA).toMatch(/^10\.244\./);

    // An invalid edit (a container name that is not a DNS label) is reported; the stored Pod stays.
    writeFileSync(join(dir, 'a.yaml'), pod('a').replace('name: web', 'name: Web_1'));
    const r = await s.sync();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.message).toMatch(/spec\.containers\[0\]\.name/);
    writeFileSync(join(dir, 'b.yaml'), pod('b'));
    await s.sync();
    expect(await ipOf('a')).toBe(ipA);
    expect(await ipOf('b')).toMatch(/^10\.244\./);
    expect(await ipOf('b')).not.toBe(ipA);
    expect(sim.pods().find((p) => p.metadata?.name === 'a')!.spec!.containers[0]!.name).toBe('web');
  });

  it('reports a Deployment when no simulator is configured, and a duplicate definition', async () => {
    writeFileSync(join(dir, 'a.yaml'), `${deployment('web', 1)}---\n${service('web')}`);
    writeFileSync(join(dir, 'b.yaml'), service('web', 9999));
    const result = await source().start();
    expect(result.problems.map((p) => p.code).sort()).toEqual(['Duplicate', 'NoSimulator']);
    expect(result.problems.find((p) => p.code === 'Duplicate')!.message).toContain(`is already defined in ${join(dir, 'a.yaml')}`);
    expect(await services()).toEqual(['web:80']);
  });

  it('writes the copy in an unchanged file once the first definition goes (the source let go of its parsed objects after writing them)', async () => {
    writeFileSync(join(dir, 'a.yaml'), service('web'));
    writeFileSync(join(dir, 'b.yaml'), `${service('api', 81)}---\n${service('web', 9999)}`);
    const s = source();
    expect(await s.start()).toMatchObject({ created: 2 });
    expect(await s.sync()).toMatchObject({ created: 0, updated: 0, deleted: 0 }); // b.yaml unchanged: from the cache
    unlinkSync(join(dir, 'a.yaml'));
    const moved = await s.sync();
    expect(moved).toMatchObject({ updated: 1, deleted: 0 });
    expect(moved.problems).toEqual([]);
    expect(await services()).toEqual(['api:81', 'web:9999']);
    const web = await store.get('Service', 'default', 'web');
    expect(web!.metadata!.annotations!['svcnet.io/source']).toBe(`file:${join(dir, 'b.yaml')}`);
  });

  it('reads a file again when an editor replaced it by rename with the same size and modification time (the inode tells)', async () => {
    const file = join(dir, 'a.yaml');
    writeFileSync(file, service('web', 8080));
    const second = 1_700_000_000; // whole seconds: the same mtime on both files, to the nanosecond
    utimesSync(file, second, second);
    const s = source();
    await s.start();
    const before = statSync(file);
    const next = join(dir, '.a.yaml.swp');
    writeFileSync(next, service('web', 9090)); // same length
    utimesSync(next, second, second);
    renameSync(next, file);
    const after = statSync(file);
    expect([after.size, after.mtimeMs, after.ino === before.ino]).toEqual([before.size, before.mtimeMs, false]);
    expect(await s.sync()).toMatchObject({ updated: 1 });
    expect(await services()).toEqual(['web:9090']);
  });

  it('follows file changes by itself (fs.watch with debounce)', async () => {
    const s = source({ watch: true, debounceMs: 30, rescanIntervalMs: 0 });
    await s.start();
    writeFileSync(join(dir, 'late.yaml'), service('late'));
    await eventually(async () => expect(await services()).toEqual(['late:80']));
    unlinkSync(join(dir, 'late.yaml'));
    await eventually(async () => expect(await services()).toEqual([]));
  });

  it('survives its folder being removed and recreated (rescan, then the watch is re-armed)', async () => {
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    writeFileSync(join(sub, 'a.yaml'), service('a'));
    const s = new ManifestSource(store, { paths: sub, debounceMs: 20, rescanIntervalMs: 50 });
    cleanups.push(() => s.stop());
    await s.start();
    expect(await services()).toEqual(['a:80']);
    rmSync(sub, { recursive: true });
    await eventually(async () => expect(await services()).toEqual([]));
    expect(s.status().problems[0]).toMatchObject({ code: 'ReadFailed', file: sub });
    mkdirSync(sub);
    writeFileSync(join(sub, 'b.yaml'), service('b'));
    await eventually(async () => expect(await services()).toEqual(['b:80']));
    writeFileSync(join(sub, 'c.yaml'), service('c'));
    await eventually(async () => expect(await services()).toEqual(['b:80', 'c:80']));
    expect(s.status().problems).toEqual([]);
  });

  it('deletes on restart what was removed from the files while it was stopped, and leaves other writers alone', async () => {
    writeFileSync(join(dir, 'a.yaml'), `${service('web')}---\n${service('old')}`);
    await source().start();
    await store.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'by-hand', namespace: 'default' }, spec: { ports: [{ port: 1 }] } });
    writeFileSync(join(dir, 'a.yaml'), service('web'));
    const restarted = await source().start();
    expect(restarted.deleted).toBe(1);
    expect(await services()).toEqual(['by-hand:1', 'web:80']);
  });

  it('reports a missing path', async () => {
    const missing = join(dir, 'nope');
    const result = await new ManifestSource(store, { paths: missing, watch: false }).start();
    expect(result.problems).toEqual([{ file: missing, document: 0, line: 0, code: 'ReadFailed', message: `${missing}: cannot read: no such file or directory` }]);
  });
});
