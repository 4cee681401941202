import { execFile } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { curl, describeWith, hostAddress, hostIPv4 } from '@svcnet/testkit';
import { ROOT, eventually, startUnprivilegedAgent } from './fixtures.js';

// The README's one-laptop command, run as written (plus free ports): `svcnet-agent -f examples/
// --proxy-mode userspace --dns-listen ...`, as a user without root (nobody, when the test runs as
// root). Its Services get ClusterIPs from 127.100.0.0/16, which the userspace proxy listens on; a
// selectorless Service's hand-written Endpoints point at a real server on this machine's own
// address (the store refuses loopback endpoints), and curl reaches it through the proxy.

const H = hostIPv4() ?? '';
const BLOCKED_IP = '127.100.250.1';
const BLOCKED_PORT = 18080;
const REMOTE_IP = '198.51.100.33';

const yaml = (o: unknown) => `---\n${JSON.stringify(o)}\n`;
const selectorless = (name: string, port: number, backendPort: number, clusterIP?: string, externalIPs?: string[]) =>
  yaml({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ...(clusterIP ? { clusterIP } : {}), ...(externalIPs ? { externalIPs } : {}), ports: [{ protocol: 'TCP', port, targetPort: backendPort }] } }) +
  yaml({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: 'default' }, subsets: [{ addresses: [{ ip: H }], ports: [{ port: backendPort }] }] });

function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as net.AddressInfo).port));
  });
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  const port = await listen(s, 0, '127.0.0.1');
  await new Promise((r) => s.close(r));
  return port;
}

/** curl, asynchronously: the backend answers from this process's event loop. Undefined on failure. */
function curlText(url: string): Promise<string | undefined> {
  return new Promise((resolve) => execFile('curl', ['-sS', '--max-time', '2', url], (err, out) => resolve(err ? undefined : out.trim())));
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return { status: res.status, body: await res.text() };
}

interface ServingProblem { address: string; reason: string; unhealthy: boolean; servedAt?: string }

describeWith('one machine: the README\'s userspace command proxies without root', [hostAddress, curl], () => {
  let dir: string;
  let backend: http.Server;
  let squatter: net.Server;
  let agent: ReturnType<typeof startUnprivilegedAgent> | undefined;
  let healthz: string;
  let metrics: string;
  let dnsPort: number;

  const problems = async (): Promise<ServingProblem[]> => (JSON.parse((await get(`${metrics}/status`)).body) as { proxy: { servingProblems?: ServingProblem[] } }).proxy.servingProblems ?? [];

  beforeAll(async () => {
    backend = http.createServer((req, res) => res.end(`laptop-backend ${req.url}`));
    const backendPort = await listen(backend, 0, H);
    // Another process holds one Service's ClusterIP:port before the agent starts.
    squatter = net.createServer((c) => c.end('squatter\n'));
    await listen(squatter, BLOCKED_PORT, BLOCKED_IP);

    dir = mkdtempSync(join(tmpdir(), 'svcnet-laptop-'));
    for (const f of readdirSync(join(ROOT, 'examples')).filter((f) => /\.ya?ml$/.test(f))) copyFileSync(join(ROOT, 'examples', f), join(dir, f));
    // An externalIP of another machine (TEST-NET-2, as the seed's 198.51.100.32, whose Service's
    // endpoints are simulated Pods here and so get no listener at all).
    writeFileSync(join(dir, 'laptop.yaml'), selectorless('laptop-web', 80, backendPort) + selectorless('laptop-blocked', BLOCKED_PORT, backendPort, BLOCKED_IP) + selectorless('laptop-external', 18081, backendPort, undefined, [REMOTE_IP]));
    // The agent runs as another user: it must read them.
    chmodSync(dir, 0o755);
    for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644);

    dnsPort = await freePort();
    const [h, m] = [await freePort(), await freePort()];
    healthz = `http://127.0.0.1:${h}`;
    metrics = `http://127.0.0.1:${m}`;
    agent = startUnprivilegedAgent([
      '-f', dir, '--proxy-mode', 'userspace', '--dns-listen', `127.0.0.1:${dnsPort}`, '--metrics-bind-address', `127.0.0.1:${m}`,
      '--healthz-bind-address', `127.0.0.1:${h}`, '--iptables-sync-period', '1s',
    ]);
    await eventually('agent ready', async () => ((await get(`${healthz}/readyz`)).status === 200 ? true : undefined), 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${agent?.logs()}`);
    });
  }, 90_000);

  afterAll(async () => {
    agent?.child.kill('SIGKILL');
    await agent?.exited;
    backend?.close();
    squatter?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports the ClusterIP it cannot take; /healthz fails until the proxy serves it', async () => {
    const blocked = await eventually('the blocked ClusterIP reported', async () => (await problems()).find((p) => p.address === `${BLOCKED_IP}:${BLOCKED_PORT}/TCP`));
    expect(blocked).toMatchObject({ reason: 'listen_failed', unhealthy: true });
    const sick = await get(`${healthz}/healthz`);
    expect(sick.status).toBe(503);
    expect(JSON.parse(sick.body)).toMatchObject({ healthy: false });

    await new Promise((r) => squatter.close(r));
    await eventually('healthy once the address is free', async () => ((await get(`${healthz}/healthz`)).status === 200 ? true : undefined));
    expect(await eventually('the Service through its ClusterIP', () => curlText(`http://${BLOCKED_IP}:${BLOCKED_PORT}/freed`))).toBe('laptop-backend /freed');
  });

  it('curl to a Service\'s ClusterIP from DNS reaches the real backend through the proxy', async () => {
    const resolver = new Resolver();
    resolver.setServers([`127.0.0.1:${dnsPort}`]);
    const [ip] = await resolver.resolve4('laptop-web.default.svc.cluster.local');
    expect(ip).toMatch(/^127\.100\.\d+\.\d+$/);
    // Without the right to bind port 80 the proxy serves it at 10080, and says so in /status.
    const remapped = (await problems()).find((p) => p.address === `${ip}:80/TCP`);
    const port = remapped ? 10080 : 80;
    if (remapped) expect(remapped).toMatchObject({ reason: 'privileged_port', unhealthy: false, servedAt: `${ip}:10080/TCP` });
    if (process.getuid?.() === 0) expect(remapped, 'the agent runs as nobody: port 80 is refused to it').toBeDefined();
    expect(await eventually('curl through the proxy', () => curlText(`http://${ip}:${port}/hello`))).toBe('laptop-backend /hello');
    expect((await get(`${healthz}/healthz`)).status).toBe(200);
  });

  it('skips an externalIP of another machine, and logs it and the repeated manifest pass once', async () => {
    const remote = (await problems()).find((p) => p.address === `${REMOTE_IP}:18081/TCP`);
    expect(remote).toMatchObject({ reason: 'not_local', unhealthy: false });
    // Several rescans (every 2 s) and syncs (every 1 s) later, each is still one line.
    await new Promise((r) => setTimeout(r, 5000));
    const lines = agent!.logs().split('\n');
    expect(lines.filter((l) => l.includes(`"address":"${REMOTE_IP}:18081/TCP"`))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('"msg":"manifests: applied"'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('sync failed'))).toEqual([]);
  });
});
