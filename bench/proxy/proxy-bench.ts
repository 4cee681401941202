// Proxy benchmark: render time/memory (full and one-change partial) for iptables and nftables,
// kernel load time in a fresh network namespace, first-connection latency at 1k/10k services,
// and the userspace engine against a direct connection and haproxy (TCP mode).
// Run: node --import tsx bench/proxy/proxy-bench.ts [--services N] [--endpoints M] [--mode iptables|nftables]
//   [--render-only] [--load-services N] [--nft-load-services N] [--nft-one-transaction]
//   [--first-connection-only --load-services 10000]  (first connection at 1000 and N services only)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IPTablesSyncer, NFTablesSyncer, ProxyState, createUserspaceProxier, proxyMetrics, proxyOptions, renderIPTables } from '@svcnet/proxy';
import type { EndpointSlice, Service } from '@svcnet/model';

const arg = (n: string, d: number) => { const i = process.argv.indexOf(n); return i > 0 ? Number(process.argv[i + 1]) : d; };
const SERVICES = arg('--services', 10_000);
const EPS = arg('--endpoints', 10);
// iptables-restore (nft backend) of 100k endpoint chains takes many minutes on a small shared box:
// its kernel-load figure and the first-connection figures use --load-services (default 1000) and
// are scaled linearly. `nft -f` loads the full --services ruleset (one transaction).
const LOAD_SERVICES = arg('--load-services', 1000);
const NFT_LOAD_SERVICES = arg('--nft-load-services', SERVICES);
const options = proxyOptions({ nodeName: 'bench', nodeIPs: ['10.1.0.1'], clusterCIDRs: ['10.128.0.0/9'], serviceCIDRs: ['10.96.0.0/12'] });
const ip = (base: number, n: number) => `10.${base + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;

function objects(nSvc: number, nEps: number): { svcs: Service[]; slices: EndpointSlice[] } {
  const svcs: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < nSvc; i++) {
    svcs.push({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'bench', name: `s${i}` }, spec: { clusterIP: ip(96, i + 10), ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    slices.push({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace: 'bench', name: `s${i}-1`, labels: { 'kubernetes.io/service-name': `s${i}` } }, addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }], endpoints: Array.from({ length: nEps }, (_, k) => ({ addresses: [ip(128, i * nEps + k + 1)] })) });
  }
  return { svcs, slices };
}

function state(nSvc: number, nEps: number): { st: ProxyState; slices: EndpointSlice[]; ingestMs: number } {
  const { svcs, slices } = objects(nSvc, nEps);
  const st = new ProxyState('IPv4', 'bench');
  // The change trackers check and parse every object as they record it: CPU time of that.
  const c0 = process.cpuUsage();
  svcs.forEach((s) => st.onServiceUpdate(s));
  slices.forEach((s) => st.onEndpointSliceUpdate(s));
  const c = process.cpuUsage(c0);
  return { st, slices, ingestMs: (c.user + c.system) / 1000 };
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const ns = (name: string) => { execFileSync('ip', ['netns', 'add', name]); return name; };
const delNs = (name: string) => { try { execFileSync('ip', ['netns', 'del', name]); } catch { /* gone */ } };
const inNs = (name: string, cmd: string, args: string[], input?: string) => execFileSync('ip', ['netns', 'exec', name, cmd, ...args], { input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });

/** Heap growth over a synchronous `fn` (what it keeps plus garbage not collected yet). */
function withHeapPeak<T>(fn: () => T): { value: T; peakMB: number } {
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const value = fn();
  return { value, peakMB: (process.memoryUsage().heapUsed - heap0) / 1e6 };
}

function renderBench(mode: 'iptables' | 'nftables') {
  const { st, slices, ingestMs } = state(SERVICES, EPS);
  const syncer = mode === 'iptables' ? new IPTablesSyncer(st, options) : new NFTablesSyncer(st, options);
  let t0 = process.hrtime.bigint();
  const { value: full, peakMB } = withHeapPeak(() => syncer.prepare());
  const fullMs = ms(t0);
  syncer.commit(full as never, true);
  // One endpoint change in each of 5 services, one partial sync each: median and worst.
  const partials: number[] = [];
  let partialBytes = 0;
  for (let r = 0; r < 5; r++) {
    const upd = structuredClone(slices[r * 97 % slices.length]!);
    upd.endpoints[0]!.addresses = [`10.255.255.${250 - r}`];
    st.onEndpointSliceUpdate(upd);
    const c0 = process.cpuUsage();
    const partial = syncer.prepare();
    const c = process.cpuUsage(c0);
    // CPU time of the process: on a shared, overloaded box wall time mostly measures waiting.
    partials.push((c.user + c.system) / 1000);
    partialBytes = partial.text.length;
    syncer.commit(partial as never, true);
  }
  partials.sort((a, b) => a - b);
  // A periodic full resync of the same state: iptables renders every Service again (as upstream's
  // syncProxyRules; its cache keeps no chain text, decision 018), nftables reuses its cached text.
  if (mode === 'iptables') (syncer as IPTablesSyncer).forceFullSync();
  else (syncer as NFTablesSyncer).forceFullSync();
  t0 = process.hrtime.bigint();
  syncer.prepare();
  const resyncMs = ms(t0);
  return { text: full.text, ...('steps' in full && full.steps ? { steps: full.steps } : {}), ingestMs, fullMs, resyncMs, partialMs: partials[2]!, partialMaxMs: partials[4]!, peakMB, partialBytes };
}

/** User+system CPU of the waited-for child processes so far (/proc/self/stat cutime+cstime). */
function childrenCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
  // After "pid (comm) ", cutime and cstime are fields 14 and 15 (0-based), in clock ticks.
  return (Number(fields[13]) + Number(fields[14])) * (1000 / CLK_TCK);
}
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** Loads a ruleset into a fresh namespace: nftables in its cold-start steps when it has them. */
function loadInto(n: string, mode: 'iptables' | 'nftables', r: { text: string; steps?: string[] }): void {
  if (mode === 'iptables') inNs(n, 'iptables-restore', ['--noflush'], r.text);
  else for (const step of r.steps ?? [r.text]) inNs(n, 'nft', ['-f', '-'], step);
}

/** Wall time of loading `r` into a fresh namespace, and the CPU time of the loading tools. */
function loadBench(mode: 'iptables' | 'nftables', r: { text: string; steps?: string[] }): { wallMs: number; cpuMs: number } {
  const n = ns(`svb-${process.pid}-${mode}`);
  try {
    const c0 = childrenCpuMs();
    const t0 = process.hrtime.bigint();
    loadInto(n, mode, r);
    return { wallMs: ms(t0), cpuMs: childrenCpuMs() - c0 };
  } finally {
    delNs(n);
  }
}

/** Client namespace with the rules; server namespace behind a veth; connect to the last ClusterIP. */
function firstConnection(mode: 'iptables' | 'nftables', nSvc: number): { latencyMs: number; loadMs: number } {
  const { st } = state(nSvc, 1);
  // Point the last service at the server namespace.
  const last: EndpointSlice = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace: 'bench', name: `s${nSvc - 1}-1`, labels: { 'kubernetes.io/service-name': `s${nSvc - 1}` } }, addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }], endpoints: [{ addresses: ['10.200.0.2'] }] };
  st.onEndpointSliceUpdate(last);
  st.checkout();
  const rules = mode === 'iptables'
    ? renderIPTables({ family: 'IPv4', services: st.services, endpoints: st.endpoints, options, full: true })
    : new NFTablesSyncer(st, options).prepare();
  const c = ns(`svc-${process.pid}-${mode}`);
  const s = ns(`svs-${process.pid}-${mode}`);
  try {
    execFileSync('ip', ['link', 'add', `bc${process.pid % 9999}`, 'netns', c, 'type', 'veth', 'peer', 'name', `bs${process.pid % 9999}`, 'netns', s]);
    inNs(c, 'ip', ['addr', 'add', '10.200.0.1/24', 'dev', `bc${process.pid % 9999}`]);
    inNs(s, 'ip', ['addr', 'add', '10.200.0.2/24', 'dev', `bs${process.pid % 9999}`]);
    for (const [n, d] of [[c, `bc${process.pid % 9999}`], [s, `bs${process.pid % 9999}`]] as const) { inNs(n, 'ip', ['link', 'set', d, 'up']); inNs(n, 'ip', ['link', 'set', 'lo', 'up']); }
    inNs(c, 'ip', ['route', 'add', 'default', 'dev', `bc${process.pid % 9999}`]);
    const t0 = process.hrtime.bigint();
    loadInto(c, mode, rules);
    const loadMs = ms(t0);
    if (mode === 'iptables') inNs(c, 'iptables', ['-t', 'nat', '-I', 'OUTPUT', '1', '-j', 'KUBE-SERVICES']);
    const srv = spawn('ip', ['netns', 'exec', s, 'node', '-e', "require('net').createServer(c=>{c.on('error',()=>{});c.end('x')}).listen(8080,'0.0.0.0',()=>console.log('up'))"], { stdio: ['ignore', 'pipe', 'ignore'] });
    execFileSync('sleep', ['0.5']);
    const out = inNs(c, 'node', ['-e', `const net=require('net');const ips=process.argv[1];let best=1e9,n=0;const go=()=>{const t=process.hrtime.bigint();const s=net.connect({port:80,host:ips,timeout:3000},()=>{const d=Number(process.hrtime.bigint()-t)/1e6;best=Math.min(best,d);s.destroy();if(++n<20)go();else console.log(best)});let tries=0;s.on('timeout',()=>s.destroy(new Error('timeout')));s.on('error',e=>{if(++tries>50){console.log('NaN');process.exit()}setTimeout(go,100)})};go()`, ip(96, nSvc - 1 + 10)]).toString().trim();
    srv.kill('SIGKILL');
    return { latencyMs: Number(out), loadMs };
  } finally {
    delNs(c);
    delNs(s);
  }
}

async function userspaceBench(): Promise<Record<string, number>> {
  const backend = net.createServer((c) => { c.on('error', () => undefined); c.on('data', (d) => c.write(d)); });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
  const bport = (backend.address() as net.AddressInfo).port;
  const { proxier, portals } = createUserspaceProxier('IPv4', proxyOptions({ nodeName: 'bench', allowLoopbackAddresses: true }), { metrics: proxyMetrics() });
  proxier.onServiceUpdate({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'b', name: 'echo' }, spec: { clusterIP: '127.0.50.1', ports: [{ name: 'p', port: bport, protocol: 'TCP' }] } });
  proxier.onEndpointSliceUpdate({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace: 'b', name: 'echo-1', labels: { 'kubernetes.io/service-name': 'echo' } }, addressType: 'IPv4', ports: [{ name: 'p', port: bport, protocol: 'TCP' }], endpoints: [{ addresses: ['127.0.0.1'] }] });
  await proxier.syncProxyRules();
  const dir = mkdtempSync(join(tmpdir(), 'svb-'));
  const hport = bport + 1 < 65535 ? bport + 1 : bport - 1;
  writeFileSync(join(dir, 'h.cfg'), `global\n  maxconn 4096\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\nlisten echo\n  bind 127.0.0.1:${hport}\n  server s1 127.0.0.1:${bport}\n`);
  const haproxy = spawn('haproxy', ['-f', join(dir, 'h.cfg'), '-db'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const measure = async (host: string, port: number) => {
    // Latency: 200 connect+echo round trips; throughput: 64 MiB through one connection.
    let t0 = process.hrtime.bigint();
    for (let i = 0; i < 200; i++) await new Promise<void>((r) => { const s = net.connect(port, host, () => s.write('ping')); s.once('data', () => { s.destroy(); r(); }); s.on('error', () => r()); });
    const latencyMs = ms(t0) / 200;
    const chunk = Buffer.alloc(1 << 16);
    const total = 64 << 20;
    t0 = process.hrtime.bigint();
    await new Promise<void>((r) => { const s = net.connect(port, host, () => { let sent = 0; const pump = () => { while (sent < total && s.write(chunk)) sent += chunk.length; if (sent < total) s.once('drain', pump); }; pump(); }); let got = 0; s.on('error', () => r()); s.on('data', (d) => { got += d.length; if (got >= total) { s.destroy(); r(); } }); });
    return { latencyMs, mbps: total / 1e6 / (ms(t0) / 1000) };
  };
  const direct = await measure('127.0.0.1', bport);
  const user = await measure('127.0.50.1', bport);
  const hap = await measure('127.0.0.1', hport);
  haproxy.kill('SIGKILL');
  await portals.close();
  backend.close();
  rmSync(dir, { recursive: true, force: true });
  return { directLatencyMs: direct.latencyMs, userspaceLatencyMs: user.latencyMs, haproxyLatencyMs: hap.latencyMs, directMBps: direct.mbps, userspaceMBps: user.mbps, haproxyMBps: hap.mbps };
}

const f = (n: number) => n.toFixed(2);
const uptime = () => `load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`;
const FIRST_CONNECTION_ONLY = process.argv.includes('--first-connection-only');
// --nft-one-transaction: load the nftables full sync as one transaction (the path taken when the
// table already exists) instead of the cold-start steps.
const NFT_ONE_TX = process.argv.includes('--nft-one-transaction');
const MODES = (process.argv.includes('--mode') ? [process.argv[process.argv.indexOf('--mode') + 1]] : ['iptables', 'nftables']) as ('iptables' | 'nftables')[];
for (const mode of FIRST_CONNECTION_ONLY ? [] : MODES) {
  const r = renderBench(mode);
  const loadN = mode === 'iptables' ? LOAD_SERVICES : NFT_LOAD_SERVICES;
  const loadRules = loadN === SERVICES ? r : (() => { const small = state(loadN, EPS).st; small.checkout(); return mode === 'iptables' ? renderIPTables({ family: 'IPv4', services: small.services, endpoints: small.endpoints, options, full: true }) : new NFTablesSyncer(small, options).prepare(); })();
  const how = mode === 'iptables' ? 'iptables-restore' : NFT_ONE_TX || !('steps' in loadRules && loadRules.steps) ? 'nft -f, one transaction' : `nft -f, ${(loadRules as { steps: string[] }).steps.length} cold-start steps`;
  const measured = loadBench(mode, NFT_ONE_TX ? { text: loadRules.text } : loadRules);
  const scale = SERVICES / loadN;
  const load = measured.wallMs * scale;
  console.log(`${mode}: ${SERVICES} services x ${EPS} endpoints: tracker ingest ${f(r.ingestMs)} ms CPU; full render ${f(r.fullMs)} ms (heap +${f(r.peakMB)} MB, ${(r.text.length / 1e6).toFixed(1)} MB text); periodic full resync ${f(r.resyncMs)} ms; partial render (1 endpoint changed, CPU time) median ${f(r.partialMs)} ms, max ${f(r.partialMaxMs)} ms (${r.partialBytes} bytes); kernel load (${how}) ${f(load)} ms wall, ${f(measured.cpuMs * scale)} ms CPU${loadN === SERVICES ? '' : ` (measured at ${loadN} services, scaled linearly)`}; full render / load = ${(r.fullMs / load * 100).toFixed(1)}%; max RSS so far ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; ${uptime()}`);
}
if (process.argv.includes('--render-only')) process.exit(0);
// First connection: --first-connection-only runs just this, at 1000 and --load-services services.
for (const n of [...new Set([Math.min(1000, LOAD_SERVICES), LOAD_SERVICES])]) {
  const a = firstConnection('iptables', n);
  const b = firstConnection('nftables', n);
  console.log(`first connection to a ClusterIP with ${n} services x 1 endpoint (best of 20): iptables ${f(a.latencyMs)} ms, nftables ${f(b.latencyMs)} ms (iptables/nftables ${f(a.latencyMs / b.latencyMs)}); rules loaded in iptables ${f(a.loadMs)} ms, nftables ${f(b.loadMs)} ms; ${uptime()}`);
}
if (FIRST_CONNECTION_ONLY) process.exit(0);
const u = await userspaceBench();
console.log(`userspace engine: latency ${f(u.userspaceLatencyMs!)} ms/conn vs direct ${f(u.directLatencyMs!)} (x${f(u.userspaceLatencyMs! / u.directLatencyMs!)}) vs haproxy ${f(u.haproxyLatencyMs!)} (x${f(u.userspaceLatencyMs! / u.haproxyLatencyMs!)}); throughput ${f(u.userspaceMBps!)} MB/s vs direct ${f(u.directMBps!)} (x${f(u.userspaceMBps! / u.directMBps!)}) vs haproxy ${f(u.haproxyMBps!)} (x${f(u.userspaceMBps! / u.haproxyMBps!)})`);
