/**
 * Many agents, one truth (issue 17): two svcnet-agents on one redis-server (unix socket), both
 * given the same -f with `--services` Services over `--deployments` Deployments of `--replicas`
 * each. Prints, once both agents run: Pods vs replicas, duplicate Pod addresses (and duplicate
 * addresses in EndpointSlices); then SIGKILLs the agent writing the manifests (the holder of the
 * lease svcnet-manifests) and prints how long until the other holds the lease, and until a change
 * to the manifests made at the kill (one Deployment scaled up) is in the store: the takeover time.
 *
 *   node --conditions=@svcnet/source --import tsx bench/agents/agents-bench.ts [--services 1000] [--deployments 100] [--replicas 2] [--lease 15s]
 *   npm run bench -- agents --lease 5s
 *
 * Needs redis-server. No root: the agents run with --proxy-mode none. Cleans up on exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Pod } from '@svcnet/model';
import { openStore } from '@svcnet/store';

const { values: args } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' },
    deployments: { type: 'string', default: '100' },
    replicas: { type: 'string', default: '2' },
    lease: { type: 'string', default: '15s' },
  },
});
const SERVICES = Number(args.services);
const DEPLOYMENTS = Number(args.deployments);
const REPLICAS = Number(args.replicas);
const MAIN = fileURLToPath(new URL('../../apps/node-agent/src/main.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'svcnet-agents-bench-'));
const socket = join(dir, 'redis.sock');
const children: ChildProcess[] = [];
function cleanup(): void {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

const manifests = join(dir, 'manifests');
function writeManifests(scaled: number): void {
  const docs: unknown[] = [];
  for (let d = 0; d < DEPLOYMENTS; d++) {
    const app = `app-${d}`;
    const replicas = d < scaled ? REPLICAS + 1 : REPLICAS;
    docs.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace: 'bench' }, spec: { replicas, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } });
  }
  for (let s = 0; s < SERVICES; s++) {
    docs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${s}`, namespace: 'bench' }, spec: { selector: { app: `app-${s % DEPLOYMENTS}` }, ports: [{ port: 80 }] } });
  }
  writeFileSync(join(manifests, 'bench.yaml'), docs.map((d) => JSON.stringify(d)).join('\n---\n'));
}

async function until<T>(what: string, f: () => Promise<T | undefined>, ms: number): Promise<T> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(100)) {
    const v = await f();
    if (v !== undefined) return v;
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function main(): Promise<void> {
  const redis = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
  children.push(redis);
  await sleep(300);
  const url = `unix://${socket}`;
  const store = openStore(url);
  rmSync(manifests, { recursive: true, force: true });
  mkdirSync(manifests);
  writeManifests(0);
  const agents = new Map<string, ChildProcess>();
  for (const [node, ip] of [['node-a', '203.0.113.31'], ['node-b', '203.0.113.32']] as const) {
    const child = spawn(process.execPath, ['--conditions=@svcnet/source', '--import', 'tsx', MAIN,
      '-f', manifests, '--redis', url, '--hostname-override', node, '--node-ip', ip, '--proxy-mode', 'none',
      '--healthz-bind-address', '', '--metrics-bind-address', '', '--leader-elect-lease-duration', args.lease, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(child);
    agents.set(node, child);
  }
  const expected = DEPLOYMENTS * REPLICAS;
  const started = Date.now();
  const pods = async () => (await store.list('Pod')).items.filter((p: Pod) => p.metadata?.namespace === 'bench');
  await until(`${expected} Pods running`, async () => ((await pods()).filter((p) => p.status?.podIP).length >= expected ? true : undefined), 600_000);
  // Both agents have run several lease periods side by side before the count is taken.
  await until('both agents heartbeating', async () => ((await store.nodeStatus.list()).length === 2 ? true : undefined), 60_000);
  await sleep(3000);
  const all = await pods();
  const ips = all.map((p) => p.status?.podIP).filter((ip): ip is string => !!ip);
  const slices = (await store.list('EndpointSlice', { namespace: 'bench' })).items;
  let sliceDuplicates = 0;
  for (const s of slices) {
    const addrs = s.endpoints.flatMap((e) => e.addresses);
    sliceDuplicates += addrs.length - new Set(addrs).size;
  }
  console.log(`two agents, same -f: ${SERVICES} Services, ${DEPLOYMENTS} Deployments x ${REPLICAS} replicas (lease ${args.lease}), settled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`  Pods: ${all.length} for ${expected} replicas; duplicate Pod IPs: ${ips.length - new Set(ips).size}; duplicate addresses within EndpointSlices: ${sliceDuplicates}`);

  const holder = (await store.leases.get('svcnet-manifests'))?.holder ?? '';
  const writer = holder.replace(/-\d+$/, '');
  const heir = writer === 'node-a' ? 'node-b' : 'node-a';
  const before = new Set(all.map((p) => p.metadata!.name));
  const killedAt = Date.now();
  agents.get(writer)!.kill('SIGKILL');
  writeManifests(1); // app-0 gets one more replica: only a live writer can make it.
  const leaseMs = await until('the lease taken over', async () => ((await store.leases.get('svcnet-manifests'))?.holder.startsWith(heir) ? Date.now() - killedAt : undefined), 120_000);
  const appliedMs = await until('the change applied', async () => ((await pods()).filter((p) => p.status?.podIP).length === expected + 1 ? Date.now() - killedAt : undefined), 120_000);
  const after = await pods();
  const afterIPs = after.map((p) => p.status?.podIP).filter((ip): ip is string => !!ip);
  console.log(`  SIGKILL of the writer (${writer}): ${heir} holds the lease after ${(leaseMs / 1000).toFixed(2)} s; the change made at the kill is in the store after ${(appliedMs / 1000).toFixed(2)} s`);
  console.log(`  after takeover: Pods ${after.length} for ${expected + 1} replicas, ${[...before].filter((n) => after.some((p) => p.metadata!.name === n)).length}/${before.size} of the old writer's Pods kept, duplicate Pod IPs: ${afterIPs.length - new Set(afterIPs).size}`);
  console.log(`  load average: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await store.close();
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(e.message);
    process.exit(1);
  },
);
