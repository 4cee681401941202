import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NetNs, curl, describeWith, netns, vethPair } from '@svcnet/testkit';
import { curlIn, eventually, makeHost, manifestPod, startAgent, type RunningAgent } from './fixtures.js';

const NODE = '192.168.60.1';
const POD_IP = '10.244.7.10';

/** Answers every request with the request's headers as JSON. */
const HEADER_ECHO = `require('node:http').createServer((q, s) => s.end(JSON.stringify(q.headers))).listen(8080, '0.0.0.0');`;

const yaml = (o: unknown) => `${JSON.stringify(o)}\n---\n`;

const MANIFESTS = [
  manifestPod('echo', 'node-1', POD_IP, { app: 'echo' }),
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: 'default' }, spec: { selector: { app: 'echo' }, ports: [{ port: 80, targetPort: 8080 }] } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'echo', namespace: 'default' }, spec: { rules: [{ host: 'echo.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'echo', port: { number: 80 } } } }] } }] } },
].map(yaml).join('');

const SPOOF = ['Host: echo.example', 'X-Forwarded-For: 6.6.6.6', 'X-Forwarded-Host: evil.attacker', 'X-Forwarded-Proto: https'];

/**
 * `--ingress-trusted-proxy` reaches the agent's Ingress router: a client's X-Forwarded-* headers
 * are believed from a trusted address (the node's own, here) and replaced for anyone else (a pod).
 */
describeWith('svcnet-agent --ingress-trusted-proxy', [netns, curl], () => {
  let host: NetNs;
  let podNs: NetNs;
  let dir: string;
  let agent: RunningAgent | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'svcnet-agent-xff-'));
    writeFileSync(join(dir, 'echo.yaml'), MANIFESTS);
    host = makeHost();
    host.exec('ip', ['addr', 'add', `${NODE}/32`, 'dev', 'lo']);
    podNs = NetNs.create('svp');
    vethPair(host, '10.244.7.1/24', podNs, `${POD_IP}/24`);
    podNs.exec('ip', ['route', 'add', 'default', 'via', '10.244.7.1']);
    const server = podNs.spawn('node', ['-e', HEADER_ECHO]);
    server.stdout?.resume();
    server.stderr?.resume();
    agent = startAgent(host, [
      '-f', dir, '--hostname-override', 'node-1', '--node-ip', NODE, '--proxy-mode', 'none',
      '--healthz-bind-address', `${NODE}:10256`, '--metrics-bind-address', '',
      '--ingress-http-listen', `${NODE}:80`, '--ingress-trusted-proxy', `10.99.0.0/16,${NODE}`,
    ]);
    const exited = agent.exited.then((code) => {
      throw new Error(`svcnet-agent exited with ${code}`);
    });
    await Promise.race([eventually('agent ready', () => (curlIn(host, `http://${NODE}:10256/readyz`) ? true : undefined), 60_000), exited]).catch((e: Error) => {
      throw new Error(`${e.message}\n${agent?.logs()}`);
    });
  }, 90_000);

  afterAll(() => {
    agent?.child.kill('SIGKILL');
    for (const ns of [podNs, host]) ns?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const headersSeen = async (from: NetNs): Promise<Record<string, string>> =>
    JSON.parse(await eventually('the ingress route to the echo pod', () => curlIn(from, `http://${NODE}/x`, SPOOF))) as Record<string, string>;

  it('a client outside the trusted CIDRs: its X-Forwarded-* replaced by its own address and this connection', async () => {
    const h = await headersSeen(podNs);
    expect([h['x-forwarded-for'], h['x-real-ip'], h['x-forwarded-host'], h['x-forwarded-proto']]).toEqual([POD_IP, POD_IP, 'echo.example', 'http']);
  });

  it('a trusted proxy: its X-Forwarded-For appended to and its X-Forwarded-* kept', async () => {
    const h = await headersSeen(host);
    expect([h['x-forwarded-for'], h['x-real-ip'], h['x-forwarded-host'], h['x-forwarded-proto']]).toEqual([`6.6.6.6, ${NODE}`, '6.6.6.6', 'evil.attacker', 'https']);
  });
});
