// Endpoints reconciler benchmark: 10,000 Services x 100,000 Pods.
//   node --conditions=@svcnet/source --import tsx bench/endpoints/endpoints-bench.ts [--services N] [--pods-per-service M] [--flips F] [--workers W] [--phase core|store|memory|redis]
// Without --phase it runs each phase in its own child process (so peak memory is per phase) and prints a summary.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { admit, parseIP, validateObject, type EndpointSlice, type Endpoints, type Pod, type Service } from '@svcnet/model';
import { MemoryStore, RedisStore, listAndWatch, openStore, type Store } from '@svcnet/store';
import { RedisServer } from '@svcnet/testkit';
import { EndpointsController, SelectorIndex, planEndpoints, reconcileSlices } from '@svcnet/endpoints';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const nServices = Number(args.get('services') ?? 10_000);
const perService = Number(args.get('pods-per-service') ?? 10);
// 2,000 flips by default (the issue names 10,000: pass --flips 10000) so a full-scale run stays within minutes.
const nFlips = Number(args.get('flips') ?? 2_000);
const phase = args.get('phase');
const workers = args.has('workers') ? Number(args.get('workers')) : undefined;
// --profile DIR: a CPU profile of just the initial reconcile and of just the flips (memory/redis phases),
// so the top self-time functions are not drowned by loading the store.
const profileDir = args.get('profile');

async function profiled<T>(name: string, body: () => Promise<T>): Promise<T> {
  if (!profileDir) return body();
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  // and a sampling heap profile: who allocates (GC is a large share of both phases)
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 32 * 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
  try {
    return await body();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    const { profile: heap } = await session.post('HeapProfiler.stopSampling');
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(`${profileDir}/${phase}-${name}.cpuprofile`, JSON.stringify(profile));
    writeFileSync(`${profileDir}/${phase}-${name}.heapprofile`, JSON.stringify(heap));
    session.disconnect();
  }
}

function makeService(i: number): Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { namespace: 'bench', name: `svc-${i}`, creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { selector: { app: `app-${i}` }, clusterIP: 'None', ipFamilies: ['IPv4'], ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  };
}
function makePod(s: number, j: number, ready = true): Pod {
  const n = s * perService + j;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { namespace: 'bench', name: `pod-${s}-${j}`, labels: { app: `app-${s}` } },
    spec: { nodeName: `node-${n % 100}`, containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }] },
    status: { phase: 'Running', podIP: ip(n), podIPs: [{ ip: ip(n) }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}
const ip = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
const peakRss = () => process.resourceUsage().maxRSS * 1024;
/** CPU ms of this process (all threads) since `from`: less distorted than wall time on a loaded machine. */
const cpuMs = (from?: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
};
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

function core() {
  const services = Array.from({ length: nServices }, (_, i) => makeService(i));
  const pods: Pod[] = [];
  for (let s = 0; s < nServices; s++) for (let j = 0; j < perService; j++) pods.push(makePod(s, j));
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const index = new SelectorIndex();
  for (const p of pods) index.upsertPod(p);
  for (const s of services) index.upsertService(s);
  const t1 = performance.now();
  let endpointsMs = 0;
  let slicesMs = 0;
  let slices = 0;
  for (const svc of services) {
    const ta = performance.now();
    const selected = index.podsForService(svc);
    planEndpoints(svc, selected, undefined, { podsSelected: true });
    const tb = performance.now();
    slices += reconcileSlices(svc, selected, [], { podsSelected: true }).create.length;
    endpointsMs += tb - ta;
    slicesMs += performance.now() - tb;
  }
  const ms = performance.now() - t0;
  return { phase: 'core', initialMs: ms, initialCpuMs: cpuMs(c0), indexMs: t1 - t0, endpointsMs, slicesMs, slices, rssBefore: mb(before), peakRss: mb(peakRss()) };
}

/**
 * Where a store write's time goes, for the objects the reconciler writes (one Endpoints and one
 * slice per Service): copies, admission (defaults + validation), IP parsing, and a MemoryStore
 * create with and without validation (`trusted`), plus a list's cost per Pod.
 */
async function storeBreakdown() {
  const index = new SelectorIndex();
  // uids as the store would have set them (slices' ownerReferences must name one)
  const services = Array.from({ length: nServices }, (_, i) => makeService(i)).map((s, i) => ({ ...s, metadata: { ...s.metadata, uid: `uid-${i}` } }));
  const pods: Pod[] = [];
  for (let s = 0; s < nServices; s++) for (let j = 0; j < perService; j++) pods.push(makePod(s, j));
  for (const p of pods) index.upsertPod(p);
  const objects: (Endpoints | EndpointSlice)[] = [];
  for (const svc of services) {
    const selected = index.podsForService(svc);
    objects.push(planEndpoints(svc, selected, undefined, { podsSelected: true })!.endpoints);
    objects.push(...reconcileSlices(svc, selected, [], { podsSelected: true }).create);
  }
  // A sample is enough for per-write figures and keeps this phase short at full scale.
  objects.splice(4000);
  const usPer = (f: (o: Endpoints | EndpointSlice) => unknown, list: readonly (Endpoints | EndpointSlice)[] = objects) => {
    for (const o of list.slice(0, 200)) f(o); // warm up
    const t = performance.now();
    for (const o of list) f(o);
    return ((performance.now() - t) * 1000) / list.length;
  };
  const ips = objects.flatMap((o) => ('subsets' in o ? (o.subsets ?? []).flatMap((x) => (x.addresses ?? []).map((a) => a.ip)) : []));
  const t = performance.now();
  for (const ip of ips) parseIP(ip);
  const parseIPus = ((performance.now() - t) * 1000) / ips.length;
  const jsonCopyUs = usPer((o) => JSON.parse(JSON.stringify(o)));
  const structuredCloneUs = usPer((o) => structuredClone(o));
  const admitUs = usPer((o) => admit(o));
  const validateUs = usPer((o) => validateObject(o));
  const createUs = async (trusted: boolean) => {
    const store = new MemoryStore();
    const t0 = performance.now();
    for (const o of objects) await store.create(o as Endpoints & { kind: 'Endpoints' }, { trusted });
    const us = ((performance.now() - t0) * 1000) / objects.length;
    await store.close();
    return us;
  };
  const untrusted = await createUs(false);
  const trusted = await createUs(true);
  const podStore = new MemoryStore();
  const listed = pods.slice(0, 20_000);
  for (const p of listed) await podStore.create({ ...p, kind: 'Pod' }, { trusted: true });
  const tl = performance.now();
  await podStore.list('Pod');
  const listPodUs = ((performance.now() - tl) * 1000) / listed.length;
  await podStore.close();
  return {
    phase: 'store', writes: objects.length, addressesPerObject: perService,
    jsonCopyUs, structuredCloneUs, admitUs, validateUs, parseIPus,
    memoryCreateUs: untrusted, memoryCreateTrustedUs: trusted, admissionShareOfCreate: (untrusted - trusted) / untrusted,
    listPodUs,
  };
}

async function throughStore(kind: 'memory' | 'redis') {
  let server: RedisServer | undefined;
  let store: Store;
  if (kind === 'redis') {
    server = await RedisServer.start();
    store = openStore(server.url);
  } else {
    store = new MemoryStore();
  }
  try {
    const tl = performance.now();
    const pending: Promise<unknown>[] = [];
    const flush = async () => { await Promise.all(pending.splice(0)); };
    for (let s = 0; s < nServices; s++) {
      pending.push(store.create({ ...makeService(s), kind: 'Service' }, { trusted: true }));
      for (let j = 0; j < perService; j++) pending.push(store.create({ ...makePod(s, j), kind: 'Pod' }, { trusted: true }));
      if (pending.length >= 2000) await flush();
    }
    await flush();
    const loadMs = performance.now() - tl;

    const controller = new EndpointsController(store, { holder: 'bench', leaseTtlMs: 10_000, watchNodes: false, ...(workers ? { workers } : {}) });
    // redis-server's own CPU (INFO cpu), which competes with this process for the machine's cores.
    const serverCpuMs = async () => {
      if (!(store instanceof RedisStore)) return 0;
      const info = await store.redis.info('cpu');
      return (Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1])) * 1000;
    };
    const s0 = await serverCpuMs();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let startMs = 0;
    await profiled('initial', async () => {
      await controller.start();
      startMs = performance.now() - t0;
      await controller.whenIdle();
    });
    const initialMs = performance.now() - t0;
    const initialCpuMs = cpuMs(c0);
    const initialServerCpuMs = (await serverCpuMs()) - s0;
    const afterInitialRss = peakRss();

    // readiness flips: latency from the Pod write to the slice write reaching a watcher
    const slices = listAndWatch(store, 'EndpointSlice');
    await slices.synced;
    let waiting: { pod: string; ready: boolean; resolve: () => void } | undefined;
    slices.on((e) => {
      if (!waiting || e.type !== 'MODIFIED') return;
      const ep = e.object.endpoints.find((x) => x.targetRef?.name === waiting!.pod);
      if (ep && ep.conditions?.ready === waiting.ready) waiting.resolve();
    });
    const lat: number[] = [];
    // CPU of this process (all threads, GC helpers included) during each flip: unlike wall time it
    // does not count time the OS gave to other processes, so it shows the tail on a busy machine too.
    const flipCpu: number[] = [];
    // GC pauses during the flips: a flip that waits on a major GC shows up in the tail.
    const gcPauses: number[] = [];
    const gcKinds: Record<string, number> = {};
    const gcKindName: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
    const gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        gcPauses.push(e.duration);
        const k = gcKindName[(e.detail as { kind?: number } | undefined)?.kind ?? 0] ?? 'other';
        gcKinds[k] = (gcKinds[k] ?? 0) + 1;
      }
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    const cf = process.cpuUsage();
    const readiness = new Map<string, boolean>();
    await profiled('flips', async () => { for (let f = 0; f < nFlips; f++) {
      const s = (f * 7919) % nServices;
      const j = f % perService;
      const name = `pod-${s}-${j}`;
      const ready = !(readiness.get(name) ?? true);
      readiness.set(name, ready);
      const seen = new Promise<void>((resolve) => (waiting = { pod: name, ready, resolve }));
      const t = performance.now();
      const c = process.cpuUsage();
      await store.apply({ ...makePod(s, j, ready), kind: 'Pod' }, { trusted: true });
      await seen;
      lat.push(performance.now() - t);
      flipCpu.push(cpuMs(c));
    } });
    const flipCpuMs = cpuMs(cf) / nFlips;
    gcObserver.disconnect();
    lat.sort((a, b) => a - b);
    flipCpu.sort((a, b) => a - b);
    slices.stop();
    await controller.whenIdle(); // the last flip's Endpoints write may still be in flight
    const stats = controller.stats();
    await controller.stop();
    return {
      phase: kind, loadMs, initialMs, startMs, initialCpuMs, ...(kind === 'redis' ? { initialServerCpuMs } : {}), peakRssAfterInitial: mb(afterInitialRss), flips: nFlips,
      p50Ms: pct(lat, 50), p99Ms: pct(lat, 99), cpuMsPerFlip: flipCpuMs, maxMs: lat[lat.length - 1],
      cpuP99Ms: pct(flipCpu, 99), cpuMaxMs: flipCpu[flipCpu.length - 1],
      gcPauses: gcPauses.length, gcMaxMs: Math.max(0, ...gcPauses), gcOver2Ms: gcPauses.filter((d) => d > 2).length, gcKinds, writes: stats.writes, errors: stats.errors,
    };
  } finally {
    await store.close();
    await server?.stop();
  }
}

if (phase === 'core') console.log(JSON.stringify(core()));
else if (phase === 'store') console.log(JSON.stringify(await storeBreakdown()));
else if (phase === 'memory' || phase === 'redis') console.log(JSON.stringify(await throughStore(phase)));
else {
  const self = fileURLToPath(import.meta.url);
  console.log(`endpoints bench: ${nServices} Services x ${perService} Pods each = ${nServices * perService} Pods, ${nFlips} readiness flips`);
  for (const p of ['core', 'store', 'memory', 'redis']) {
    const extra = [...args].filter(([k]) => k !== 'phase').flatMap(([k, v]) => [`--${k}`, v]);
    const r = spawnSync(process.execPath, ['--conditions=@svcnet/source', '--import', 'tsx', '--max-old-space-size=4096', self, '--phase', p, ...extra], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try {
      const res = JSON.parse(line) as Record<string, unknown>;
      const fmt = (v: unknown) => (typeof v === 'number' ? v.toFixed(2) : JSON.stringify(v));
      console.log(`${p.padEnd(7)} ${Object.entries(res).filter(([k]) => k !== 'phase').map(([k, v]) => `${k}=${fmt(v)}`).join(' ')}`);
    } catch {
      console.log(`${p}: failed (exit ${r.status}) ${line}`);
    }
  }
  console.log('goals: initial reconcile < 3000 ms; per-change p99 < 5 ms (memory), < 20 ms (redis)');
  console.log(`load average now: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} on ${(await import('node:os')).availableParallelism()} cores (wall times inflate under load; *CpuMs less so)`);
}
