// DNS benchmark: dnsperf against the svcnet DNS server and against knot (one UDP worker) serving
// the same records from a zone file rendered by svcnet, in the same run; then the index's memory
// for 10,000 Services / 100,000 endpoints.
//   node --conditions=@svcnet/source --import tsx bench/dns/dns-bench.ts [--seconds 10] [--services 1000]
//     [--workers 1,2] [--node PATH] [--udp-fast-path true] [--udp-native both|true|false] [--allow CIDR,...]
// One row per worker count: svcnet with N DnsWorkers (SO_REUSEPORT, Node 22.12+) against knot with
// N UDP workers. Prints QPS of each, the ratio svcnet/knot, average and p99 latency, CPU time per
// answered query (utime+stime of each server process from /proc, all threads, during its main run:
// the fair figure on a machine loaded by other work, where QPS mostly measures who gets the cores),
// how the CPU split over the workers, and the memory figure. --node PATH (or SVCNET_BENCH_NODE) runs
// the svcnet server on that Node binary (the bench itself runs on the one that started it).
// --udp-native both (the default) runs two svcnet servers per row, one reading UDP in native batches
// (recvmmsg/sendmmsg, decision 017) and one per datagram (the fast path), alternated with knot;
// true or false runs only that one.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { EndpointSlice, Service } from '@svcnet/model';
import { DnsServer, DnsWorkers, RecordIndex, renderZone } from '@svcnet/dns';
import { reusePortUnsupported } from '@svcnet/model';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const seconds = Number(args.get('seconds') ?? 10);
const nServices = Number(args.get('services') ?? 1000);
const workerRows = (args.get('workers') ?? '1,2').split(',').map(Number);
const nodeBin = args.get('node') || process.env['SVCNET_BENCH_NODE'] || process.execPath;
const nativeRuns = ({ both: ['true', 'false'], true: ['true'], false: ['false'] } as Record<string, string[]>)[args.get('udp-native') ?? 'both'] ?? ['true', 'false'];

/** N Services: 70% ClusterIP with a named port, 30% headless with `eps` ready endpoints each. */
function objects(n: number, eps: number, headlessShare = 0.3): { services: Service[]; endpointSlices: EndpointSlice[] } {
  const services: Service[] = [];
  const endpointSlices: EndpointSlice[] = [];
  for (let i = 0; i < n; i++) {
    const headless = i % 10 < headlessShare * 10;
    const name = `svc-${i}`;
    const ip = `10.${96 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
    services.push({
      apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'bench', name },
      spec: headless ? { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } : { clusterIP: ip, clusterIPs: [ip], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    });
    endpointSlices.push({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: { namespace: 'bench', name: `${name}-abcde`, labels: { 'kubernetes.io/service-name': name } },
      endpoints: Array.from({ length: eps }, (_, j) => ({ addresses: [`172.${16 + (i >> 12)}.${(i >> 4) & 255}.${((i & 15) << 4) + j}`], conditions: { ready: true } })),
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
  }
  return { services, endpointSlices };
}

function queryFile(n: number): string {
  const lines: string[] = [];
  for (let k = 0; k < 20_000; k++) {
    const i = (k * 7919) % n;
    const headless = i % 10 < 3;
    const r = k % 20;
    if (r < 8) lines.push(`svc-${i}.bench.svc.cluster.local A`); // A (ClusterIP or headless)
    else if (r < 12) lines.push(`_http._tcp.svc-${i}.bench.svc.cluster.local SRV`); // SRV
    else if (r < 17) lines.push(`svc-${headless ? i : i - (i % 10)}.bench.svc.cluster.local A`); // headless A
    else lines.push(`missing-${i}.bench.svc.cluster.local A`); // NXDOMAIN
  }
  return `${lines.join('\n')}\n`;
}

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  s.close();
  return p;
}

async function waitForAnswer(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const out = execFileSync('dig', ['@127.0.0.1', '-p', String(port), '+time=1', '+tries=1', 'svc-0.bench.svc.cluster.local'], { encoding: 'utf8' });
      if (out.includes('status: NOERROR')) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing answers on 127.0.0.1:${port}`);
}

interface PerfResult { qps: number; avgMs: number; lost: number; completed: number }

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds in user and system mode (every thread) a process (or `pid/task/tid`: one thread) has used so far. */
function cpuSeconds(pid: number | string): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) / CLK_TCK, sys: Number(f[12]) / CLK_TCK }; // fields 14 and 15: utime, stime
}

/** CPU seconds (all, and in user mode) and wall seconds of a dnsperf run. */
type Measured = PerfResult & { cpu: number; user: number; wall: number };

/**
 * dnsperf against `port`, with the CPU the server processes `pids` used meanwhile; the user-mode
 * part apart (the rest is the kernel's, mostly sending and receiving datagrams).
 */
function measured(pids: number[], port: number, file: string, secs: number): Measured {
  const sum = () => pids.map(cpuSeconds).reduce((a, b) => ({ user: a.user + b.user, sys: a.sys + b.sys }));
  const c0 = sum();
  const t0 = performance.now();
  const r = dnsperf(port, file, secs);
  const c1 = sum();
  const user = c1.user - c0.user;
  return { ...r, cpu: user + c1.sys - c0.sys, user, wall: (performance.now() - t0) / 1000 };
}

/** Runs measured one after another into one figure: QPS and latency weighted by queries. */
function combined(who: string, all: Measured[]): PerfResult & { cpuUs: number; userUs: number; cpuShare: number } {
  // A half in which nothing was answered (seen once with knot on a machine at load 11) would make
  // every figure NaN: say so and use the other half.
  const runs = all.filter((r) => r.completed > 0);
  if (runs.length < all.length) console.log(`  (${who}: ${all.length - runs.length} of ${all.length} runs answered nothing and are left out)`);
  const completed = runs.reduce((n, r) => n + r.completed, 0);
  const seconds = runs.reduce((n, r) => n + r.completed / r.qps, 0);
  const cpu = runs.reduce((n, r) => n + r.cpu, 0);
  return {
    qps: completed / seconds, completed, lost: runs.reduce((n, r) => n + r.lost, 0),
    avgMs: runs.reduce((n, r) => n + r.avgMs * r.completed, 0) / completed,
    cpuUs: (cpu * 1e6) / completed, userUs: (runs.reduce((n, r) => n + r.user, 0) * 1e6) / completed,
    cpuShare: cpu / runs.reduce((n, r) => n + r.wall, 0),
  };
}

function dnsperf(port: number, file: string, secs: number): PerfResult {
  const out = execFileSync('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', file, '-l', String(secs), '-c', '4', '-q', '200', '-t', '2'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
  return { qps: num(/Queries per second:\s+([\d.]+)/), avgMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000, lost: num(/Queries lost:\s+(\d+)/), completed: num(/Queries completed:\s+(\d+)/) };
}

/** p99 from a short verbose run: dnsperf -v prints each query's latency. */
function p99(port: number, file: string, secs: number): number {
  const out = execFileSync('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', file, '-l', String(secs), '-c', '4', '-q', '200', '-t', '2', '-v'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const lat: number[] = [];
  for (const line of out.split('\n')) {
    const m = /^> \S+ .* ([\d.]+)$/.exec(line);
    if (m) lat.push(Number(m[1]));
  }
  lat.sort((a, b) => a - b);
  return (lat[Math.floor(lat.length * 0.99)] ?? NaN) * 1000;
}

/**
 * The server process. With `--workers N` above 1, N DnsWorkers threads each bind their own
 * SO_REUSEPORT socket on the port. Prints `ready PID [TID...]` (the worker threads' kernel ids, for
 * their CPU split), or `unsupported REASON` when this Node cannot run N workers.
 */
async function serve(port: number): Promise<void> {
  const workers = Number(args.get('workers') ?? 1);
  const idx = RecordIndex.from(objects(nServices, 3));
  // --allow: the client ACL on (dnsperf queries from 127.0.0.1, so include it to measure its cost).
  const allow = args.get('allow')?.split(',').filter(Boolean);
  const native = args.get('udp-native');
  const o = { index: idx, listen: `127.0.0.1:${port}`, upstreams: [], udpFastPath: args.get('udp-fast-path') !== 'false', allow, udpNative: native === 'true' ? true : native === 'false' ? false : undefined };
  const unsupported = workers > 1 ? reusePortUnsupported() : undefined;
  if (unsupported) {
    process.stdout.write(`unsupported ${unsupported}\n`);
    return;
  }
  const server = workers > 1 ? new DnsWorkers({ ...o, workers }) : new DnsServer(o);
  await server.start();
  process.stdout.write(`path ${server instanceof DnsWorkers ? [...new Set(server.udpPaths)].join(',') : server.udpPath}\n`);
  process.stdout.write(`ready ${process.pid}${server instanceof DnsWorkers ? ` ${server.threadIds.join(' ')}` : ''}\n`);
  process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
}

/** The pid and worker thread ids a serve process prints on its `ready` line, or why it cannot serve. */
function readyPids(child: ChildProcess): Promise<number[] | string> {
  return new Promise((res, rej) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^ready ([\d ]+)$/m.exec(out);
      if (m) res(m[1]!.trim().split(' ').map(Number));
      const u = /^unsupported (.*)$/m.exec(out);
      if (u) res(u[1]!);
    });
    child.once('exit', (code) => rej(new Error(`the svcnet server exited (${code}) before it was ready`)));
  });
}

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function memory(): { mb: number; names: number; buildMs: number } {
  gc();
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const objs = objects(10_000, 10);
  const idx = RecordIndex.from({ endpointSlices: objs.endpointSlices, services: objs.services });
  const buildMs = performance.now() - t0;
  objs.services.length = 0;
  objs.endpointSlices.length = 0;
  gc();
  const mb = (process.memoryUsage().heapUsed - before) / 2 ** 20;
  return { mb, names: idx.names.size, buildMs };
}

const f = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** knot with `workers` UDP workers on the zone file in `dir`; resolves with its port. */
async function startKnot(dir: string, workers: number, children: ChildProcess[]): Promise<{ port: number; pid: number }> {
  const port = await freePort();
  const conf = join(dir, `knot-${workers}.conf`);
  writeFileSync(conf, [
    'server:', `    rundir: "${dir}"`, `    listen: 127.0.0.1@${port}`, `    udp-workers: ${workers}`, '    tcp-workers: 1', '    background-workers: 1',
    'database:', `    storage: "${dir}"`,
    'log:', '  - target: stderr', '    any: error',
    'zone:', '  - domain: cluster.local', `    storage: "${dir}"`, '    file: "cluster.local.zone"', '',
  ].join('\n'));
  const knot = spawn('knotd', ['-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(knot);
  await waitForAnswer(port);
  return { port, pid: knot.pid! };
}

/** A svcnet server process of one row: its pid, worker thread ids and UDP path. */
interface Ours { port: number; pid: number; tids: number[]; path: string }

async function startOurs(workers: number, native: string, children: ChildProcess[]): Promise<Ours | string> {
  const port = await freePort();
  const here = fileURLToPath(import.meta.url);
  const ours = spawn(nodeBin, [...process.execArgv, here, '--phase', 'serve', '--port', String(port), '--services', String(nServices), '--udp-fast-path', args.get('udp-fast-path') ?? 'true', '--udp-native', native, '--workers', String(workers), ...(args.get('allow') ? ['--allow', args.get('allow')!] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(ours);
  let out = '';
  ours.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const ready = await readyPids(ours);
  if (typeof ready === 'string') return ready;
  const [pid, ...tids] = ready as [number, ...number[]];
  await waitForAnswer(port);
  return { port, pid, tids, path: /^path (.*)$/m.exec(out)?.[1] ?? '?' };
}

/** One row: svcnet with `workers` workers (each UDP path asked for) against knot with as many UDP workers, in the same run. */
async function row(dir: string, qfile: string, workers: number): Promise<void> {
  const children: ChildProcess[] = [];
  try {
    const ours: Ours[] = [];
    for (const native of nativeRuns) {
      const o = await startOurs(workers, native, children);
      if (typeof o === 'string') {
        console.log(`${workers} workers: not run: ${o}`);
        return;
      }
      ours.push(o);
    }
    const knot = await startKnot(dir, workers, children);
    // Warm all (svcnet compiles each answer on first use; each worker on its own).
    for (const o of ours) dnsperf(o.port, qfile, workers);
    dnsperf(knot.port, qfile, 1);
    const perWorker0 = ours.map((o) => o.tids.map((t) => cpuSeconds(`${o.pid}/task/${t}`)));
    // Alternate halves, so a change in the machine's other load falls on every server alike.
    const sRuns: Measured[][] = ours.map(() => []);
    const kRuns: Measured[] = [];
    for (let i = 0; i < 2; i++) {
      ours.forEach((o, j) => sRuns[j]!.push(measured([o.pid], o.port, qfile, seconds / 2)));
      kRuns.push(measured([knot.pid], knot.port, qfile, seconds / 2));
    }
    const perWorker = ours.map((o, j) =>
      o.tids.map((t, i) => {
        const c = cpuSeconds(`${o.pid}/task/${t}`);
        return c.user + c.sys - perWorker0[j]![i]!.user - perWorker0[j]![i]!.sys;
      }),
    );
    const k = combined('knot', kRuns);
    const kp99 = p99(knot.port, qfile, 2);
    const line = (who: string, r: typeof k, p: number) =>
      `  ${who} ${f(r.qps)} QPS  avg ${f(r.avgMs, 3)} ms  p99 ${f(p, 3)} ms  lost ${r.lost}/${r.completed + r.lost}  CPU ${f(r.cpuUs, 2)} µs/query (user ${f(r.userUs, 2)}, ${f(r.cpuShare * 100)}% of a core)`;
    console.log(`${workers} worker${workers > 1 ? 's' : ''} (svcnet on Node ${execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim()}; knot udp-workers: ${workers}); load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    const width = Math.max(...ours.map((o) => o.path.length)) + 11;
    const results = ours.map((o, j) => combined(`svcnet ${o.path}`, sRuns[j]!));
    ours.forEach((o, j) => console.log(line(`svcnet (${o.path}):`.padEnd(width), results[j]!, p99(o.port, qfile, 2))));
    console.log(line('knot:'.padEnd(width), k, kp99));
    ours.forEach((o, j) => {
      const s = results[j]!;
      console.log(`  ratio svcnet (${o.path})/knot: QPS ${f(s.qps / k.qps, 2)}, CPU per query ${f(s.cpuUs / k.cpuUs, 2)} (below 1: svcnet uses less CPU per answer)`);
      const pw = perWorker[j]!;
      if (pw.length > 1) {
        const total = pw.reduce((a, b) => a + b, 0);
        console.log(`  svcnet (${o.path}) workers' share of their CPU: ${pw.map((c) => `${f((c / total) * 100)}%`).join(' / ')} (the rest of the process: ${f(((s.cpuUs * s.completed) / 1e6 - total) * 1e3)} ms; dnsperf shares these ${availableParallelism()} cores, so this is no scaling figure)`);
      }
    });
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main(): Promise<void> {
  if (args.get('phase') === 'serve') return serve(Number(args.get('port')));
  const dir = mkdtempSync(join(tmpdir(), 'svcnet-dns-bench-'));
  try {
    const qfile = join(dir, 'queries.txt');
    writeFileSync(qfile, queryFile(nServices));
    // knot: the same records, rendered by svcnet.
    writeFileSync(join(dir, 'cluster.local.zone'), renderZone(RecordIndex.from(objects(nServices, 3)), { reverse: false }));
    console.log(`dnsperf ${seconds} s each (two halves, alternating), UDP, 4 clients x 200 outstanding, ${nServices} services (A 40%, SRV 20%, headless A 25%, NXDOMAIN 15%); CPU summed over all threads of each server`);
    for (const w of workerRows) await row(dir, qfile, w);
    const m = memory();
    console.log(`index memory, 10,000 services / 100,000 endpoints: ${f(m.mb, 1)} MB heap, ${f(m.names)} names, built in ${f(m.buildMs)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
