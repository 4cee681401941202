// Benchmark: wrk through the svcnet ingress router and through nginx (one worker, upstream
// keep-alive, same host/path rule) to the same three backends, in the same run.
//   npm run bench -- ingress [--duration 10] [--connections 50] [--workers N] [--rounds 1] [--node PATH] [--only REGEX]
// Prints requests/s, p50/p99 latency of each and the ratio router/nginx. With --rounds N every target
// runs N times, round-robin, and the table gives medians (ratios per round, with their range).
// svcnet runs with 1 and N router workers (IngressWorkers, SO_REUSEPORT: Node 22.12+), beside nginx
// with 1 and N worker processes, with how the CPU split over the workers. --node PATH (or
// SVCNET_BENCH_NODE) runs the Node servers (svcnet and the plain Node proxies) on that Node binary.
// The HTTPS rows compare the router's TLS listener with nginx's `ssl` server (same ECDSA P-256
// certificate, same backends), keep-alive and with a new connection (a full handshake) per request;
// their ratio is to nginx over HTTPS. --only REGEX keeps the rows whose name matches (nginx's always run).
import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : def;
};
const duration = Number(opt('duration', '10'));
const connections = Number(opt('connections', '50'));
const workers = Number(opt('workers', String(availableParallelism())));
const rounds = Math.max(1, Number(opt('rounds', '1')));
const only = new RegExp(opt('only', '.'));
const nodeBin = opt('node', process.env['SVCNET_BENCH_NODE'] || process.execPath);
const children: ChildProcess[] = [];
const tmp = mkdtempSync(join(tmpdir(), `svcnet-ingress-bench-${process.pid}-`));

// Outside tmp: nginx's config paths are rewritten per instance below, the certificate's are not.
const tlsDir = mkdtempSync(join(tmpdir(), `svcnet-ingress-bench-tls-${process.pid}-`));

function cleanup(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
  rmSync(tlsDir, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

/** Starts a child and resolves with its first stdout line. */
function start(cmd: string, argv: string[]): Promise<string> {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`${cmd} did not start`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(t);
        resolve(buf.slice(0, nl));
      }
    });
    child.on('exit', (code) => reject(new Error(`${cmd} exited with ${code}`)));
  });
}

async function waitForPort(port: number, scheme = 'http'): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      execFileSync('curl', ['-sk', '-o', '/dev/null', '-H', 'Host: bench.example.com', `${scheme}://127.0.0.1:${port}/app/`]);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`nothing answers on ${port}`);
}

/** CPU time (user+system, ms) one thread (`pid/task/tid`) has used so far. */
function threadCpuMs(path: string): number {
  try {
    const f = readFileSync(`/proc/${path}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** CPU time (user+system, ms) used so far by a process and its children, from /proc. */
function cpuMs(pid: number): number {
  let total = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, USER_HZ = 100
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(' ') : []) total += cpuMs(Number(k));
    }
  } catch {
    // the process is gone
  }
  return total;
}

interface Result {
  name: string;
  rps: number;
  /** CPU time the proxy spent per request: comparable even when the machine is busy. */
  cpuUsPerRequest: number;
  p50: string;
  p99: string;
  errors: string;
  /** Each worker thread's share of the workers' CPU (svcnet with workers). */
  split?: number[];
}

function wrk({ name, port, pid, tids = [], scheme = 'http', close = false }: Target): Result {
  const request = ['-H', 'Host: bench.example.com', ...(close ? ['-H', 'Connection: close'] : []), `${scheme}://127.0.0.1:${port}/app/items?id=1`];
  // Warm up (JIT, connection pools) before measuring.
  execFileSync('wrk', ['-t1', `-c${connections}`, '-d2s', ...request], { stdio: 'ignore' });
  const cpu0 = cpuMs(pid);
  const t0 = tids.map((t) => threadCpuMs(`${pid}/task/${t}`));
  const out = execFileSync('wrk', ['-t1', `-c${connections}`, `-d${duration}s`, '--latency', ...request], { encoding: 'utf8' });
  const cpu = cpuMs(pid) - cpu0;
  const per = tids.map((t, i) => threadCpuMs(`${pid}/task/${t}`) - t0[i]!);
  const perTotal = per.reduce((a, b) => a + b, 0);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const p50 = /\s50%\s+(\S+)/.exec(out)?.[1] ?? '?';
  const p99 = /\s99%\s+(\S+)/.exec(out)?.[1] ?? '?';
  const errs = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1];
  const sock = /Socket errors: (.*)/.exec(out)?.[1];
  return { name, rps, cpuUsPerRequest: total ? (cpu * 1000) / total : 0, p50, p99, errors: [errs && `${errs} non-2xx`, sock].filter(Boolean).join(', ') || 'none', ...(per.length > 1 && perTotal > 0 ? { split: per.map((c) => c / perTotal) } : {}) };
}

function nginxConfig(port: number, backends: number[], workers = 1, tlsPort?: number): string {
  const app = `location /app { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host $host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Real-IP $remote_addr; proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Request-ID $request_id; }
    location / { return 404; }`;
  // ingress-nginx's TLS server: the default certificate, HTTP/1.1 (no http2), its defaults otherwise.
  const tls = tlsPort === undefined ? '' : `
  ssl_certificate ${tlsDir}/cert.pem; ssl_certificate_key ${tlsDir}/key.pem;
  server {
    listen 127.0.0.1:${tlsPort} ssl;
    server_name bench.example.com;
    ${app}
  }
  server { listen 127.0.0.1:${tlsPort} ssl default_server; return 404; }`;
  return `worker_processes ${workers};
error_log ${tmp}/error.log warn;
pid ${tmp}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${tmp}/body; proxy_temp_path ${tmp}/proxy; fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi; scgi_temp_path ${tmp}/scgi;
  keepalive_requests 1000000;
  upstream app { ${backends.map((p) => `server 127.0.0.1:${p};`).join(' ')} keepalive 128; }
  server {
    listen 127.0.0.1:${port}${workers > 1 ? ' reuseport' : ''};
    server_name bench.example.com;
    ${app}
  }
  server { listen 127.0.0.1:${port} default_server; return 404; }${tls}
}
`;
}

interface Target {
  name: string;
  port: number;
  pid: number;
  tids?: number[];
  scheme?: 'http' | 'https';
  /** A new connection per request (`Connection: close`): the handshake rate over HTTPS. */
  close?: boolean;
  /** Index of the nginx row this one's ratio is to (0: nginx over plain HTTP, 1 worker). */
  peer?: number;
}

const backends = JSON.parse(await start('node', [join(here, 'backends.mjs')])) as number[];
console.log(`backends on ${backends.join(', ')}; wrk -t1 -c${connections} -d${duration}s, ${rounds} round${rounds > 1 ? 's' : ''}`);

// Every target is started once and left idle between its runs (an idle server costs no CPU).
const targets: Target[] = [];
// One ECDSA P-256 certificate for both HTTPS servers (ingress-nginx's fake certificate is one too).
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=bench.example.com',
  '-addext', 'subjectAltName=DNS:bench.example.com', '-keyout', join(tlsDir, 'key.pem'), '-out', join(tlsDir, 'cert.pem')], { stdio: 'ignore' });
/** HTTPS rows, keep-alive and a new connection per request, each list led by nginx's (1 worker). */
const httpsKeepAlive: Target[] = [];
const httpsClose: Target[] = [];
for (const w of workers > 1 ? [1, workers] : [1]) {
  const port = await freePort();
  const tlsPort = w === 1 ? await freePort() : undefined;
  mkdirSync(join(tmp, `nginx-${w}`));
  writeFileSync(join(tmp, `nginx-${w}`, 'nginx.conf'), nginxConfig(port, backends, w, tlsPort).replaceAll(`${tmp}/`, `${tmp}/nginx-${w}/`));
  const nginx = spawn('nginx', ['-p', join(tmp, `nginx-${w}`), '-c', join(tmp, `nginx-${w}`, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'inherit' });
  children.push(nginx);
  await waitForPort(port);
  targets.push({ name: `nginx (${w} worker${w > 1 ? 's' : ''})`, port, pid: nginx.pid! });
  if (tlsPort !== undefined) {
    await waitForPort(tlsPort, 'https');
    httpsKeepAlive.push({ name: 'nginx https (1 worker)', port: tlsPort, pid: nginx.pid!, scheme: 'https' });
    httpsClose.push({ name: 'nginx https, new conn per request', port: tlsPort, pid: nginx.pid!, scheme: 'https', close: true });
  }
}
/** A Node process run as `node ...flags SCRIPT PORT BACKENDS ...extra`. */
interface NodeTarget {
  name: string;
  flags?: string[];
  script: string;
  extra?: string[];
  https?: boolean;
}
const nodeTargets: NodeTarget[] = [
  { name: 'plain node proxy (1 proc)', script: 'plain-proxy.mjs' },
  // Node's floor: two reads and two writes per request, nothing else (null-proxy.mjs).
  { name: 'Node floor: null proxy (no parsing)', script: 'null-proxy.mjs' },
];
const tsx = ['--conditions=@svcnet/source', '--import', 'tsx'];
// The last row: the same router with every request through node:http (fastPath: false).
for (const [w, mode] of [[1, 'fast'], [workers, 'fast'], [1, 'node-http']] as const) {
  const name = `svcnet ingress (${w} worker${w > 1 ? 's' : ''}${mode === 'node-http' ? ', node:http' : ''})`;
  nodeTargets.push({ name, flags: tsx, script: 'router.ts', extra: [String(w), mode] });
}
// The TLS listener, fast path and node:http, beside nginx's `ssl` server.
for (const mode of ['fast', 'node-http'] as const) {
  const name = `svcnet ingress https (1 worker${mode === 'node-http' ? ', node:http' : ''})`;
  nodeTargets.push({ name, flags: tsx, script: 'router.ts', extra: ['1', mode, tlsDir], https: true });
}
for (const { name, flags = [], script, extra = [], https = false } of nodeTargets) {
  if (!only.test(name)) continue;
  const port = await freePort();
  const line = await start(nodeBin, [...flags, join(here, script), String(port), JSON.stringify(backends), ...extra]);
  if (line.startsWith('unsupported ')) {
    console.log(`${name}: not run: ${line.slice('unsupported '.length)}`);
    continue;
  }
  await waitForPort(port, https ? 'https' : 'http');
  const tids = line.startsWith('ready ') ? line.split(' ').slice(2).map(Number) : [];
  const pid = children[children.length - 1]!.pid!;
  if (!https) targets.push({ name, port, pid, tids });
  else {
    httpsKeepAlive.push({ name, port, pid, scheme: 'https' });
    httpsClose.push({ name: name.replace('https (', 'https, new conn per request ('), port, pid, scheme: 'https', close: true });
  }
}
// HTTPS rows after the plain ones, each compared with nginx's HTTPS row of the same kind.
for (const rows of [httpsKeepAlive, httpsClose]) {
  const peer = targets.length;
  for (const t of rows) targets.push({ ...t, peer });
}

// Round-robin, so that whatever else the machine does in a given minute weighs on every target alike.
const runs: Result[][] = targets.map(() => []);
for (let round = 0; round < rounds; round++) {
  targets.forEach((t, i) => {
    process.stderr.write(`\r[round ${round + 1}/${rounds}] ${t.name.padEnd(40)}`);
    runs[i]!.push(wrk(t));
  });
}
process.stderr.write('\r' + ' '.repeat(60) + '\r');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = (v: string): number => (v.endsWith('us') ? parseFloat(v) / 1000 : v.endsWith('ms') ? parseFloat(v) : parseFloat(v) * 1000);
const width = Math.max(...targets.map((t) => t.name.length)) + 2;
console.log(
  `\n${'target'.padEnd(width)}${'req/s'.padStart(10)}${'p50'.padStart(10)}${'p99'.padStart(10)}${'vs nginx'.padStart(10)}` +
    `${rounds > 1 ? 'range'.padStart(12) : ''}${'CPU us/req'.padStart(12)}${'CPU vs nginx'.padStart(14)}  errors`,
);
targets.forEach((t, i) => {
  const rs = runs[i]!;
  const nginxRuns = runs[t.peer ?? 0]!;
  if (t.scheme === 'https' && targets[i - 1]?.scheme !== 'https') console.log('HTTPS');
  // Ratios per round (each against nginx's run of the same round), then their median and range.
  const ratios = rs.map((r, k) => r.rps / nginxRuns[k]!.rps);
  const cpuRatios = rs.map((r, k) => r.cpuUsPerRequest / nginxRuns[k]!.cpuUsPerRequest);
  const range = `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
  const errors = [...new Set(rs.map((r) => r.errors))].join('; ');
  console.log(
    `${t.name.padEnd(width)}${median(rs.map((r) => r.rps)).toFixed(0).padStart(10)}` +
      `${(median(rs.map((r) => ms(r.p50))).toFixed(2) + 'ms').padStart(10)}${(median(rs.map((r) => ms(r.p99))).toFixed(2) + 'ms').padStart(10)}` +
      `${median(ratios).toFixed(2).padStart(10)}${rounds > 1 ? range.padStart(12) : ''}` +
      `${median(rs.map((r) => r.cpuUsPerRequest)).toFixed(1).padStart(12)}${median(cpuRatios).toFixed(2).padStart(14)}  ${errors}`,
  );
});
targets.forEach((t, i) => {
  const split = runs[i]!.at(-1)?.split;
  if (split) console.log(`${t.name}: workers' share of their CPU ${split.map((x) => `${(x * 100).toFixed(0)}%`).join(' / ')} (wrk and the backends share these ${availableParallelism()} cores: no scaling figure)`);
});
console.log(`Node servers on ${execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim()}`);
console.log(
  `(${rounds > 1 ? 'medians over the rounds; ' : ''}load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ` +
    'req/s depends on what else runs, CPU us/req much less)',
);
cleanup();
