import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWith, RedisServer, redisServer } from '@svcnet/testkit';
import { runCli } from '../src/program.js';

/** Runs `svcnet ...` in-process and captures what it prints. */
async function svcnet(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const code = await runCli(['node', 'svcnet', ...args]);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describeWith('svcnet get/apply/describe/delete against Redis', [redisServer], () => {
  let redis: RedisServer;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'svcnet-cli-'));

  beforeAll(async () => {
    redis = await RedisServer.start();
    url = `unix://${redis.socketPath}`;
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('applies manifests, reports created/unchanged, and rejects an invalid object with its field error', async () => {
    const file = join(dir, 'web.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n    targetPort: 8080',
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: bad\nspec:\n  ports:\n  - port: 80\n  - port: 81',
      ].join('\n---\n'),
    );
    let r = await svcnet('apply', '-f', file, '--redis', url);
    expect(r.code).toBe(1);
    expect(r.out).toContain('service/web created');
    expect(r.err).toContain('Service "bad" is invalid');
    expect(r.err).toContain('spec.ports[0].name: Required value');
    r = await svcnet('apply', '-f', file, '--redis', url);
    expect(r.out).toContain('service/web unchanged');
  });

  it('stores no client status: the issue 22 LoadBalancer applies, its status does not (only controllers write status)', async () => {
    const file = join(dir, 'evil.yaml');
    writeFileSync(
      file,
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: evil\nspec:\n  type: LoadBalancer\n  ports:\n  - port: 80\nstatus:\n  loadBalancer:\n    ingress:\n    - ip: 169.254.169.254\n    - ip: 127.0.0.1\n    - ip: "10.1.2.3\\n"\n',
    );
    const r = await svcnet('apply', '-f', file, '--redis', url);
    expect(r.out).toContain('service/evil created');
    const got = JSON.parse((await svcnet('get', 'svc', 'evil', '-o', 'json', '--redis', url)).out) as { status?: unknown; spec: { type: string } };
    expect(got.spec.type).toBe('LoadBalancer');
    expect(got.status).toBeUndefined();
    expect((await svcnet('delete', 'svc', 'evil', '--redis', url)).code).toBe(0);
  });

  it('gets services in kubectl layout, as yaml, and describes one', async () => {
    let r = await svcnet('get', 'svc', '--redis', url);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE/);
    expect(r.out).toMatch(/web\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP/);
    r = await svcnet('get', 'service', 'web', '-o', 'yaml', '--redis', url);
    expect(r.out).toContain('kind: Service');
    expect(r.out).toContain('targetPort: 8080');
    r = await svcnet('describe', 'svc', 'web', '--redis', url);
    expect(r.out).toMatch(/Selector:\s+app=web/);
    expect(r.out).toMatch(/TargetPort:\s+8080\/TCP/);
  });

  it("gets several kinds as kubectl does: a comma list, all, KIND/NAME, -o name with the API group", async () => {
    const file = join(dir, 'kinds.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-0\n  labels:\n    app: web\nspec:\n  containers:\n  - name: c\n    image: nginx',
        'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: web-abc\n  labels:\n    kubernetes.io/service-name: web\naddressType: IPv4\nendpoints:\n- addresses: ["10.244.0.5"]\nports:\n- port: 8080',
      ].join('\n---\n'),
    );
    expect((await svcnet('apply', '-f', file, '--redis', url)).code).toBe(0);
    let r = await svcnet('get', 'svc,pods', '--redis', url);
    expect(r.code).toBe(0);
    // One table per kind in the order asked, a blank line between, names as kind/name; no trailing blank line.
    const [services, pods] = r.out.split('\n\n');
    expect(services).toMatch(/^NAME\s+TYPE/);
    expect(services).toMatch(/\nservice\/web\s+ClusterIP/);
    expect(pods).toMatch(/^NAME\s+READY\s+STATUS/);
    expect(pods).toMatch(/\npod\/web-0\s/);
    expect(r.out.endsWith('\n')).toBe(false);
    r = await svcnet('get', 'all', '--redis', url);
    expect(r.out.indexOf('pod/web-0')).toBeGreaterThan(-1);
    expect(r.out.indexOf('pod/web-0')).toBeLessThan(r.out.indexOf('service/web'));
    r = await svcnet('get', 'svc/web', '-o', 'name', '--redis', url);
    expect(r.out).toBe('service/web');
    r = await svcnet('get', 'eps', '-o', 'name', '--redis', url);
    expect(r.out).toBe('endpointslice.discovery.k8s.io/web-abc');
    r = await svcnet('get', 'svc,pods', 'web', '--redis', url);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/service\/web\s+ClusterIP/);
    expect(r.err).toContain('Error from server (NotFound): pods "web" not found');
    r = await svcnet('get', 'svc', '--redis', url);
    expect(r.out).toMatch(/\nweb\s+ClusterIP/);
    expect(r.out.endsWith('\n')).toBe(false);
    r = await svcnet('get', 'svc/web', 'web', '--redis', url);
    expect(r.code).toBe(2);
    for (const [kind, name] of [['pod', 'web-0'], ['endpointslice', 'web-abc']]) expect((await svcnet('delete', kind!, name!, '--redis', url)).code).toBe(0);
  });

  it('deletes, then reports NotFound with exit code 1', async () => {
    let r = await svcnet('delete', 'svc', 'web', '--redis', url);
    expect(r.code).toBe(0);
    expect(r.out).toContain('service "web" deleted');
    r = await svcnet('get', 'svc', 'web', '--redis', url);
    expect(r.code).toBe(1);
    expect(r.err).toContain('Error from server (NotFound): services "web" not found');
  });

  it('names the kinds it knows when given an unknown one', async () => {
    const r = await svcnet('get', 'widgets', '--redis', url);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`the server doesn't have a resource type "widgets"`);
  });
});

describe('svcnet usage errors', () => {
  it('asks for --redis when get has no store', async () => {
    const saved = process.env['SVCNET_REDIS'];
    delete process.env['SVCNET_REDIS'];
    const r = await svcnet('get', 'svc');
    if (saved !== undefined) process.env['SVCNET_REDIS'] = saved;
    // A usage error (2) that says where the store comes from and what works without one.
    expect(r.code).toBe(2);
    expect(r.err).toContain('give --redis redis://HOST:6379 (or set SVCNET_REDIS)');
    expect(r.err).toContain('svcnet -f PATH');
  });
});
