// `npm run bench -- cli [--runs 7] [--services 10000] [--endpoints 10]`
//
// 1. Cold start: `svcnet --help`, `validate -f` and `render dns -f` of one file, as a user runs them
//    (the built CLI, a new process each time), beside `node -e 0` in the same run: wall time and peak
//    memory, medians of --runs alternating runs.
// 2. A cluster dump: N Services and N EndpointSlices (selectorless Services, --endpoints addresses
//    each) as one JSON List and as 100 JSON files; `svcnet validate -f` and `svcnet render proxy -f`
//    of each, beside the in-process time of parsing those files and rendering the same rules.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadManifests, type EndpointSlice, type Service } from '@svcnet/model';
import { ProxyState, proxyOptions, renderIPTables } from '@svcnet/proxy';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '7' }, services: { type: 'string', default: '10000' }, endpoints: { type: 'string', default: '10' } },
});
const runs = Number(values.runs);
const services = Number(values.services);
const endpointsPer = Number(values.endpoints);

const repo = join(import.meta.dirname, '..', '..');
const cli = join(repo, 'apps', 'tui', 'dist', 'cli.js');
console.log('building the CLI (nx run svcnet:build)...');
execFileSync('npx', ['nx', 'run', 'svcnet:build', '--output-style=static'], { cwd: repo, stdio: 'ignore', env: { ...process.env, NX_DAEMON: 'false' } });

interface Sample {
  wallMs: number;
  rssMB: number;
  code: number | null;
}

/** One run of a command in a new process: wall time and peak RSS from GNU time. */
function once(cmd: string[]): Sample {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', ...cmd], { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 30 });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const kb = Number(r.stderr.trim().split('\n').pop());
  return { wallMs, rssMB: kb / 1024, code: r.status };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median wall and RSS of each command, the commands taken in turn so drift hits all alike. */
function compare(named: [string, string[]][]): Map<string, { wallMs: number; rssMB: number; codes: Set<number | null> }> {
  const samples = new Map<string, Sample[]>(named.map(([n]) => [n, []]));
  for (const [, cmd] of named) once(cmd); // warm the page cache
  for (let i = 0; i < runs; i++) for (const [n, cmd] of named) samples.get(n)!.push(once(cmd));
  return new Map(
    [...samples].map(([n, s]) => [n, { wallMs: median(s.map((x) => x.wallMs)), rssMB: median(s.map((x) => x.rssMB)), codes: new Set(s.map((x) => x.code)) }]),
  );
}

function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
}

// 1. Cold start.
const one = join(repo, 'examples', 'nginx-clusterip.yaml');
const cold = compare([
  ['node -e 0', [process.execPath, '-e', '0']],
  ['svcnet --help', [process.execPath, cli, '--help']],
  ['svcnet validate -f <one file>', [process.execPath, cli, 'validate', '-f', one]],
  ['svcnet render dns -f <one file>', [process.execPath, cli, 'render', 'dns', '-f', one]],
]);
const base = cold.get('node -e 0')!;
console.log(`\ncold start (${runs} runs each, medians; Node ${process.version})`);
table([
  ['command', 'wall ms', 'vs node -e 0', 'peak MB', 'exit'],
  ...[...cold].map(([n, s]) => [n, s.wallMs.toFixed(0), `+${(s.wallMs - base.wallMs).toFixed(0)} ms`, s.rssMB.toFixed(0), [...s.codes].join(',')]),
]);

// 2. A cluster dump.
const dir = mkdtempSync(join(tmpdir(), 'svcnet-cli-bench-'));
try {
  const svcs: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < services; i++) {
    const ns = `ns-${i % 100}`;
    const name = `svc-${i}`;
    const k = i + 1; // 10.96.0.0 is the range's network address, never allocated
    const ip = `10.${96 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}`;
    svcs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { clusterIP: ip, clusterIPs: [ip], ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } });
    const endpoints = Array.from({ length: endpointsPer }, (_, j) => {
      const n = i * endpointsPer + j;
      return { addresses: [`10.${128 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`], conditions: { ready: true, serving: true, terminating: false }, nodeName: `node-${n % 50}` };
    });
    slices.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-abcde`, namespace: ns, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints,
    });
  }
  const oneFile = join(dir, 'dump.json');
  const all = [...svcs, ...slices];
  writeFileSync(oneFile, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: all }, null, 2));
  const folder = join(dir, 'files');
  execFileSync('mkdir', ['-p', folder]);
  const per = Math.ceil(all.length / 100);
  for (let f = 0; f < 100; f++) writeFileSync(join(folder, `part-${String(f).padStart(3, '0')}.json`), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: all.slice(f * per, (f + 1) * per) }, null, 2));
  const sizeMB = JSON.stringify({ items: all }, null, 2).length / 1e6;

  // In process: the least the CLI must do, parsing the files and rendering the rules.
  const parseAndRender = async (path: string) => {
    const times: number[] = [];
    for (let i = 0; i < Math.min(runs, 5); i++) {
      const t0 = performance.now();
      const { objects } = await loadManifests(path);
      const state = new ProxyState('IPv4', 'node-0');
      for (const m of objects) {
        if (m.object.kind === 'Service') state.onServiceUpdate(m.object as Service);
        else if (m.object.kind === 'EndpointSlice') state.onEndpointSliceUpdate(m.object as EndpointSlice);
      }
      state.checkout();
      renderIPTables({ family: 'IPv4', services: state.services, endpoints: state.endpoints, options: proxyOptions({ nodeName: 'node-0' }), full: true });
      times.push(performance.now() - t0);
    }
    return median(times);
  };
  const inOne = await parseAndRender(oneFile);
  const inFolder = await parseAndRender(folder);

  const big = compare([
    ['validate -f dump.json', [process.execPath, cli, 'validate', '-f', oneFile]],
    ['render proxy -f dump.json', [process.execPath, cli, 'render', 'proxy', '-f', oneFile]],
    ['validate -f 100 files', [process.execPath, cli, 'validate', '-f', folder]],
    ['render proxy -f 100 files', [process.execPath, cli, 'render', 'proxy', '-f', folder]],
  ]);
  console.log(`\n${services} Services + ${services} EndpointSlices x ${endpointsPer} endpoints (${sizeMB.toFixed(1)} MB of JSON); in process, parse + render iptables: one file ${inOne.toFixed(0)} ms, 100 files ${inFolder.toFixed(0)} ms`);
  table([
    ['command', 'wall ms', 'over parse+render', 'peak MB', 'exit'],
    ...[...big].map(([n, s]) => [n, s.wallMs.toFixed(0), `+${(s.wallMs - (n.includes('100') ? inFolder : inOne)).toFixed(0)} ms`, s.rssMB.toFixed(0), [...s.codes].join(',')]),
  ]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
