/**
 * The agent's memory at scale (issue 18): `svcnet-agent -f` on N Services x M endpoints (selectorless
 * Services with hand-written EndpointSlices, so no Pods and no reconciler: every byte is the data
 * planes' inputs) plus Ingresses, run in a network namespace of its own. Two configurations:
 *   dns   — DNS only (`--proxy-mode none --no-reconcile-endpoints`), the first figure;
 *   full  — DNS, ingress (HTTP) and the iptables proxy (rules rendered and loaded into the namespace).
 * For each: RSS and V8 heap once the manifests are written and the agent is ready and settled
 * (median of 5 samples, 1 s apart), and the peak RSS (VmHWM). Goal: full ≤ 250 MB RSS.
 *
 *   node --conditions=@svcnet/source --import tsx bench/agent-memory/agent-memory-bench.ts \
 *     [--services 10000] [--endpoints-per-service 10] [--ingresses 1000] [--configs dns,full] \
 *     [--settle 10] [--agent apps/node-agent/bin/svcnet-agent.js] [--agent-flags "--dns-workers 1 --ingress-workers 1"]
 *
 * `--agent` runs another checkout's built agent (its bin file), e.g. main's, for a before/after figure.
 * `--iptables legacy` (the default when iptables-legacy-restore exists) puts the legacy iptables
 * binaries first on the agent's PATH: the nf_tables backend takes minutes to load 10,000 Services'
 * rules (a sync of 1,000 took 46 s on a loaded 2-core machine), which measures the kernel, not the
 * agent; the rules the agent renders are the same. Needs root, ip netns, iptables. Cleans up on exit.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// `--agent-flags "--dns-workers 1"` as written: its value starts with a dash, which parseArgs takes
// for an option unless it is joined with `=`; join it here so both spellings work.
const argv = process.argv.slice(2);
for (let i = argv.indexOf('--agent-flags'); i >= 0 && i + 1 < argv.length; i = argv.indexOf('--agent-flags')) argv.splice(i, 2, `--agent-flags=${argv[i + 1]}`);
const { values: args } = parseArgs({
  args: argv,
  options: {
    services: { type: 'string', default: '10000' },
    'endpoints-per-service': { type: 'string', default: '10' },
    ingresses: { type: 'string', default: '1000' },
    configs: { type: 'string', default: 'dns,full' },
    'agent-flags': { type: 'string', default: '' },
    settle: { type: 'string', default: '10' },
    agent: { type: 'string', default: fileURLToPath(new URL('../../apps/node-agent/bin/svcnet-agent.js', import.meta.url)) },
    'startup-timeout': { type: 'string', default: '900' },
    iptables: { type: 'string', default: existsSync('/usr/sbin/iptables-legacy-restore') ? 'legacy' : 'system' },
  },
});
const SERVICES = Number(args.services);
const PER_SERVICE = Number(args['endpoints-per-service']);
const INGRESSES = Math.min(Number(args.ingresses), SERVICES);
const SETTLE_MS = Number(args.settle) * 1000;
const AGENT = resolve(args.agent);
const STARTUP_TIMEOUT_MS = Number(args['startup-timeout']) * 1000;
const sh = (cmd: string, a: string[]) => execFileSync(cmd, a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (bytes: number) => `${Math.round(bytes / 1048576)} MB`;

const tag = `${process.pid % 100000}`;
const ns = `svam-${tag}`;
const link = `vam${tag}`;
// The host side's /30 differs per run: two benches at once (helpers share a machine) each route to
// their own agent's metrics, not to whichever veth holds the one fixed address.
const subnet = 100 + (process.pid % 100);
const host = { local: `192.168.${subnet}.1`, ctl: `192.168.${subnet}.2`, node: '192.168.212.1' };
const dir = mkdtempSync(join(tmpdir(), 'svcnet-agent-memory-'));
let child: ChildProcess | undefined;

function destroyHost(): void {
  try { sh('ip', ['link', 'del', link]); } catch { /* gone with the namespace */ }
  try { sh('ip', ['netns', 'del', ns]); } catch { /* not created */ }
}
function cleanup(): void {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  destroyHost();
  rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => process.exit(130));

function createHost(): void {
  sh('ip', ['netns', 'add', ns]);
  sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  sh('ip', ['link', 'add', link, 'type', 'veth', 'peer', 'name', 'ctl', 'netns', ns]);
  sh('ip', ['addr', 'add', `${host.local}/30`, 'dev', link]);
  sh('ip', ['link', 'set', link, 'up']);
  sh('ip', ['-n', ns, 'addr', 'add', `${host.ctl}/30`, 'dev', 'ctl']);
  sh('ip', ['-n', ns, 'link', 'set', 'ctl', 'up']);
  // The node's own address on a veth pair inside the namespace (no dummy module needed).
  sh('ip', ['-n', ns, 'link', 'add', 'node', 'type', 'veth', 'peer', 'name', 'nodepeer']);
  sh('ip', ['-n', ns, 'link', 'set', 'nodepeer', 'up']);
  sh('ip', ['-n', ns, 'addr', 'add', `${host.node}/24`, 'dev', 'node']);
  sh('ip', ['-n', ns, 'link', 'set', 'node', 'up']);
}

/** One JSON document per line-free file: selectorless Services, their slices, Ingresses to some of them. */
function writeManifests(): number {
  const items: object[] = [];
  for (let i = 0; i < SERVICES; i++) {
    const namespace = `ns-${i % 50}`;
    items.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } });
    items.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `svc-${i}-abcde`, namespace, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: Array.from({ length: PER_SERVICE }, (_, e) => ({
        addresses: [`10.${100 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${((i & 255) * PER_SERVICE + e) % 250 + 2}`],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: 'node-1',
      })),
    });
  }
  items.push({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'svcnet' }, spec: { controller: 'svcnet.io/ingress' } });
  for (let i = 0; i < INGRESSES; i++) {
    items.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: `ing-${i}`, namespace: `ns-${i % 50}` },
      spec: { ingressClassName: 'svcnet', rules: [{ host: `h${i}.example.test`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: `svc-${i}`, port: { number: 80 } } } }] } }] },
    });
  }
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  return items.length;
}

async function fetchText(url: string): Promise<string | undefined> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return r.ok ? await r.text() : undefined;
  } catch {
    return undefined;
  }
}

function procStatus(pid: number): { rss: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function run(config: string, objects: number): Promise<{ rss: number; heap: number; hwm: number; startupS: number }> {
  createHost();
  const flags = ['-f', join(dir, 'cluster.json'), '--no-reconcile-endpoints', '--hostname-override', 'node-1', '--node-ip', host.node,
    '--dns-listen', `${host.node}:53`, '--dns-upstream', 'none',
    '--healthz-bind-address', `${host.ctl}:10256`, '--metrics-bind-address', `${host.ctl}:10249`, '--log-level', process.env.SVCNET_BENCH_LOG_LEVEL ?? 'warn'];
  if (config === 'dns') flags.push('--proxy-mode', 'none');
  else flags.push('--proxy-mode', 'iptables', '--iptables-sync-period', '1h', '--ingress-http-listen', `${host.node}:80`);
  // More flags for the agent, e.g. `--agent-flags "--dns-workers 1 --ingress-workers 1"` (no worker isolates).
  flags.push(...args['agent-flags'].split(/\s+/).filter(Boolean));
  const started = performance.now();
  child = spawn('ip', ['netns', 'exec', ns, process.execPath, AGENT, ...flags], { stdio: ['ignore', 'ignore', 'inherit'], env: agentEnv });
  const pid = child.pid!;
  const base = `http://${host.ctl}:10249`;
  // Ready (first proxy sync, DNS and ingress listed) and every manifest object written.
  for (;;) {
    if (performance.now() - started > STARTUP_TIMEOUT_MS) throw new Error(`${config}: the agent was not ready with ${objects} objects within ${STARTUP_TIMEOUT_MS / 1000} s`);
    if (child.exitCode !== null) throw new Error(`${config}: the agent exited (${child.exitCode})`);
    const status = await fetchText(`${base}/status`);
    const written = Number(/"objects":(\d+)/.exec(status ?? '')?.[1] ?? 0);
    if (written >= objects && /"ready":true/.test(status ?? '')) break;
    await sleep(500);
  }
  const startupS = (performance.now() - started) / 1000;
  // The proxy's syncs after the first, the informers' last events: let them land.
  await sleep(SETTLE_MS);
  const rss: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < 5; i++) {
    rss.push(procStatus(pid).rss);
    const metrics = (await fetchText(`${base}/metrics`)) ?? '';
    heap.push(Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(metrics)?.[1] ?? NaN));
    await sleep(1000);
  }
  const { hwm } = procStatus(pid);
  await new Promise<void>((r) => {
    child!.once('exit', () => r());
    child!.kill('SIGTERM');
  });
  destroyHost();
  return { rss: median(rss), heap: median(heap), hwm, startupS };
}

/** A PATH whose iptables* are the legacy backend's (see --iptables). */
function legacyPath(): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const family of ['iptables', 'ip6tables']) {
    for (const tool of ['', '-save', '-restore']) symlinkSync(`/usr/sbin/${family}-legacy${tool}`, join(bin, `${family}${tool}`));
  }
  return `${bin}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`;
}
const agentEnv = args.iptables === 'legacy' ? { ...process.env, PATH: legacyPath() } : process.env;

const objects = writeManifests();
console.log(`agent-memory: ${SERVICES} Services x ${PER_SERVICE} endpoints, ${INGRESSES} Ingresses (${objects} objects); iptables ${args.iptables}; agent ${AGENT}`);
for (const config of args.configs.split(',')) {
  const r = await run(config, objects);
  const what = config === 'dns' ? 'DNS only (--proxy-mode none)' : 'DNS + ingress + iptables';
  console.log(`${what.padEnd(30)} rss ${mib(r.rss)}, heap used ${mib(r.heap)}, peak rss ${mib(r.hwm)} (ready with every object after ${r.startupS.toFixed(0)} s)${config === 'full' ? ' (goal rss ≤ 250 MB)' : ''}`);
}
process.exit(0);
