// Store benchmark: MemoryStore and RedisStore (the peer is the Redis reference on this machine class:
// ~18,000 writes/s one at a time, list 10,000 in ~40 ms, watch p99 ~2 ms), and the cost of
// minReplicas (WAIT for a replica) on a primary with one replica (BENCH_DURABLE_N writes, default 3000).
// Run: node --conditions=@svcnet/source --import tsx bench/store/store-bench.ts   (from source)
//  or: npx nx run @svcnet/store:build && node --import tsx bench/store/store-bench.ts
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { MemoryStore, RedisStore, type Store } from '@svcnet/store';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer, freePort } from '@svcnet/testkit';
import type { Service } from '@svcnet/model';

const N = Number(process.env['BENCH_N'] ?? 10_000);
const WATCH_WRITES = Number(process.env['BENCH_WATCH_WRITES'] ?? 2_000);
const WINDOW = 256;

const svc = (name: string, seq = 0): Service & { kind: 'Service' } => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'bench', labels: { app: 'bench' }, annotations: { seq: String(seq) } },
  spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 8443 }] },
});

interface Figures {
  seqWritesPerSec: number;
  pipelinedWritesPerSec: number;
  listMs: number;
  watch: Record<number, { p50: number; p99: number }>;
}

async function sequential(store: Store): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await store.create(svc(`seq-${i}`));
  return N / ((performance.now() - t0) / 1000);
}

async function pipelined(store: Store): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < N) {
      const i = next++;
      await store.create(svc(`pipe-${i}`));
    }
  };
  await Promise.all(Array.from({ length: WINDOW }, worker));
  return N / ((performance.now() - t0) / 1000);
}

async function listTime(store: Store): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const r = await store.list('Service', { namespace: 'bench' });
    times.push(performance.now() - t0);
    if (r.items.length < N) throw new Error(`list returned ${r.items.length} items, expected at least ${N}`);
  }
  return times.sort((a, b) => a - b)[2]!;
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function watchLatency(store: Store, watchers: number): Promise<{ p50: number; p99: number }> {
  const start = (await store.list('Endpoints')).revision;
  const sent = new Map<string, number>();
  const samples: number[] = [];
  const ac = new AbortController();
  setMaxListeners(0, ac.signal);
  let ready = 0;
  const runs = Array.from({ length: watchers }, async () => {
    let got = 0;
    let counted = false;
    for await (const e of store.watch('Endpoints', { fromRevision: start, signal: ac.signal, bookmarkIntervalMs: 50 })) {
      if (e.type === 'BOOKMARK') {
        if (!counted) ready++;
        counted = true;
        continue;
      }
      const t = sent.get(e.object.metadata?.annotations?.['seq'] ?? '');
      if (t !== undefined) samples.push(performance.now() - t);
      if (++got >= WATCH_WRITES) return;
    }
  });
  // Wait until every watcher is connected and idle (it has sent a bookmark).
  for (let i = 0; i < 200 && ready < watchers; i++) await new Promise((r) => setTimeout(r, 10));
  for (let i = 0; i < WATCH_WRITES; i++) {
    sent.set(String(i), performance.now());
    await store.apply({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: `ep-${i % 100}`, namespace: 'bench', annotations: { seq: String(i) } } });
    // One event-loop turn between writes: this measures latency, not how far an in-process writer that
    // never yields can run ahead of its watchers (a MemoryStore writer in a tight loop would).
    await nextTurn();
  }
  const timeout = setTimeout(() => ac.abort(), 30_000);
  await Promise.all(runs);
  clearTimeout(timeout);
  ac.abort();
  samples.sort((a, b) => a - b);
  return { p50: pct(samples, 50), p99: pct(samples, 99) };
}

async function measure(open: () => Promise<Store>): Promise<Figures> {
  const a = await open();
  const seqWritesPerSec = await sequential(a);
  const listMs = await listTime(a);
  await a.close();
  const b = await open();
  const pipelinedWritesPerSec = await pipelined(b);
  const watch: Figures['watch'] = {};
  for (const w of [1, 10]) watch[w] = await watchLatency(b, w);
  await b.close();
  return { seqWritesPerSec, pipelinedWritesPerSec, listMs, watch };
}

/** The named peer: a bare compare-and-set script with stream append, as the reference figure measures. */
async function rawLuaCas(url: string): Promise<number> {
  const { Redis } = await import('ioredis');
  const r = new Redis(url.replace(/^unix:\/\//, ''));
  r.defineCommand('cas', {
    numberOfKeys: 3,
    lua: `local cur = redis.call('HGET', KEYS[2], ARGV[1])
if cur and cur ~= ARGV[2] then return -1 end
local rev = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', 10000, rev .. '-0', 't', 'ADDED', 'o', ARGV[3])
return rev`,
  });
  const cas = (r as unknown as { cas: (...a: string[]) => Promise<number> }).cas.bind(r);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await cas('{peer}:rev', '{peer}:objs', '{peer}:events', `bench/peer-${i}`, '', JSON.stringify(svc(`peer-${i}`)));
  const rate = N / ((performance.now() - t0) / 1000);
  r.disconnect();
  return rate;
}

function print(name: string, f: Figures): void {
  console.log(`${name.padEnd(7)} writes/s one at a time ${f.seqWritesPerSec.toFixed(0).padStart(7)}   pipelined (${WINDOW} in flight) ${f.pipelinedWritesPerSec.toFixed(0).padStart(7)}   list ${N} ${f.listMs.toFixed(1).padStart(6)} ms`);
  for (const [w, l] of Object.entries(f.watch)) {
    console.log(`${''.padEnd(7)} watch latency write->watcher, ${w.padStart(2)} watcher(s): p50 ${l.p50.toFixed(2)} ms  p99 ${l.p99.toFixed(2)} ms`);
  }
}

/** Writes one at a time and 256 in flight, with each write's latency: writes/s and p99 of both. */
async function writeCost(store: Store, prefix: string, n: number): Promise<{ seq: number; seqP99: number; pipe: number; pipeP99: number }> {
  const lat: number[] = [];
  let t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await store.create(svc(`${prefix}-s-${i}`));
    lat.push(performance.now() - t);
  }
  const seq = n / ((performance.now() - t0) / 1000);
  lat.sort((a, b) => a - b);
  const seqP99 = pct(lat, 99);
  const plat: number[] = [];
  let next = 0;
  t0 = performance.now();
  await Promise.all(
    Array.from({ length: WINDOW }, async () => {
      while (next < n) {
        const i = next++;
        const t = performance.now();
        await store.create(svc(`${prefix}-p-${i}`));
        plat.push(performance.now() - t);
      }
    }),
  );
  const pipe = n / ((performance.now() - t0) / 1000);
  plat.sort((a, b) => a - b);
  return { seq, seqP99, pipe, pipeP99: pct(plat, 99) };
}

/**
 * The cost of minReplicas: a primary and one replica on loopback ports (WAIT needs a replica; a unix
 * socket primary cannot have one), the same writes with minReplicas 0 and 1, alternated 3 times
 * each so that load on a shared machine hits both alike; medians printed.
 */
async function durabilityCost(n: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'svcnet-bench-repl-'));
  const [pPort, rPort] = [await freePort(), await freePort()];
  const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxmemory-policy', 'noeviction', '--repl-diskless-sync-delay', '0'];
  const procs = [spawn('redis-server', ['--port', String(pPort), ...common], { stdio: 'ignore' })];
  try {
    let admin = new RedisStore({ url: `redis://127.0.0.1:${pPort}`, redis: { retryStrategy: () => null } });
    for (let i = 0; ; i++) {
      try {
        await admin.ready(2000);
        break;
      } catch (e) {
        admin.disconnect();
        if (i >= 100) throw e;
        await new Promise((r) => setTimeout(r, 100));
        admin = new RedisStore({ url: `redis://127.0.0.1:${pPort}`, redis: { retryStrategy: () => null } });
      }
    }
    procs.push(spawn('redis-server', ['--port', String(rPort), '--replicaof', '127.0.0.1', String(pPort), ...common], { stdio: 'ignore' }));
    for (let i = 0; i < 200 && !/connected_slaves:1/.test(await admin.redis.info('replication')); i++) await new Promise((r) => setTimeout(r, 50));
    await admin.close();
    const runs: Record<number, Awaited<ReturnType<typeof writeCost>>[]> = { 0: [], 1: [] };
    for (let round = 0; round < 3; round++) {
      for (const minReplicas of [0, 1]) {
        const store = new RedisStore({ url: `redis://127.0.0.1:${pPort}`, keyPrefix: `dur${round}-${minReplicas}:`, minReplicas });
        runs[minReplicas]!.push(await writeCost(store, `r${round}`, n));
        await store.close();
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    for (const m of [0, 1]) {
      const r = runs[m]!;
      console.log(
        `redis (TCP, 1 replica) minReplicas ${m}: writes/s one at a time ${med(r.map((x) => x.seq)).toFixed(0).padStart(6)} (p99 ${med(r.map((x) => x.seqP99)).toFixed(2)} ms)   ` +
          `pipelined ${med(r.map((x) => x.pipe)).toFixed(0).padStart(6)} (p99 ${med(r.map((x) => x.pipeP99)).toFixed(2)} ms)   [median of 3, alternated; runs: ${r.map((x) => x.seq.toFixed(0)).join('/')} one at a time]`,
      );
    }
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

// Warm up the JIT on the shared write path so the first implementation measured is not penalised.
{
  const warm = new MemoryStore();
  for (let i = 0; i < 2000; i++) await warm.create(svc(`warm-${i}`));
  await warm.close();
}
console.log(`load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} CPUs; N=${N}`);
const memory = await measure(async () => new MemoryStore({ serviceCIDRs: ['10.96.0.0/12'] }));
print('memory', memory);
const server = await RedisServer.start();
let db = 0;
try {
  const peer = await rawLuaCas(server.url);
  console.log(`peer    raw Lua CAS + XADD (no admission, no allocation) writes/s one at a time ${peer.toFixed(0)}`);
  const redis = await measure(async () => new RedisStore({ url: server.url, keyPrefix: `bench${db++}:` }));
  print('redis', redis);
  console.log(
    `ratio redis/memory: writes ${(redis.seqWritesPerSec / memory.seqWritesPerSec).toFixed(2)}x, pipelined ${(redis.pipelinedWritesPerSec / memory.pipelinedWritesPerSec).toFixed(2)}x, list ${(redis.listMs / memory.listMs).toFixed(2)}x time`,
  );
  console.log(`ratio store/peer (Redis, one at a time): ${(redis.seqWritesPerSec / peer).toFixed(2)}x`);
  console.log('reference (Lua CAS + stream append, this machine class): ~18000 writes/s one at a time, list 10000 ~40 ms, watch p99 ~2 ms');
} finally {
  await server.stop();
}
await durabilityCost(Number(process.env['BENCH_DURABLE_N'] ?? 3000));
console.log(`load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')} at the end`);
