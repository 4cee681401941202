// bench/tui: the dashboard at scale. Start-up to first full frame, keypress-to-frame latency and
// memory with 10,000 Services and 100,000 endpoints changing at 100 events/s.
// Run: node --conditions=@svcnet/source --import tsx bench/tui/tui-bench.ts [--services N] [--endpoints-per-service M] [--seconds S]
//   [--view ep|eps] (the keypress phase in another table: :ep has a row per endpoint, 100,000 by default)
//   [--heap-snapshot FILE] (written after the keypress phase, for Chrome DevTools' Memory tab)
// Goals (issue 7): first frame < 1 s, keypress < 50 ms, memory < 300 MB.
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import type { EndpointSlice } from '@svcnet/model';
import { MemoryStore } from '@svcnet/store';
import { ClusterModel } from '../../apps/tui/src/dashboard/clusterModel.js';
import { DEFAULT_BINDINGS } from '../../apps/tui/src/dashboard/keymap.js';
import { boundHeapGrowth } from '../../apps/tui/src/dashboard/heapGrowth.js';
// React's production build, as `svcnet` runs it (apps/tui/src/actions/dashboard.ts). Static imports
// are evaluated before this module's body, so React, Ink and the App (which imports them) are loaded
// here, after the variable is set; a static import would load the development build.
process.env['NODE_ENV'] ??= 'production';
// And V8's heap growth bounded, as `svcnet` does before Ink loads (apps/tui/src/dashboard/heapGrowth.ts).
boundHeapGrowth();
const { createElement } = await import('react');
const { render } = await import('ink-testing-library');
const { App } = await import('../../apps/tui/src/dashboard/App.js');

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    'endpoints-per-service': { type: 'string', default: '10' },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '100' },
    view: { type: 'string', default: 'svc' },
    'heap-snapshot': { type: 'string' },
  },
});
if (!['svc', 'ep', 'eps'].includes(values.view)) throw new Error(`--view ${values.view}: expected svc, ep or eps`);
const services = Number(values.services);
const perService = Number(values['endpoints-per-service']);
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;

const store = new MemoryStore({ historyLimit: 1000 });
const slice = (i: number, flip = -1): EndpointSlice & { kind: 'EndpointSlice' } => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `svc-${i}-abcde`, namespace: `ns-${i % 50}`, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: Array.from({ length: perService }, (_, e) => ({
    addresses: [`10.${(i >> 8) & 255}.${i & 255}.${e + 1}`],
    conditions: { ready: e !== flip },
    nodeName: `node-${e % 5}`,
  })),
});
let t = performance.now();
for (let i = 0; i < services; i++) {
  await store.create(
    { apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: `ns-${i % 50}` }, spec: { selector: { app: `a${i}` }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
    { trusted: true },
  );
  await store.create(slice(i), { trusted: true });
}
console.log(`seeded ${services} services, ${services * perService} endpoints in ${((performance.now() - t) / 1000).toFixed(1)} s; rss ${mb(process.memoryUsage().rss)}`);

t = performance.now();
let cpu = process.cpuUsage();
const cpuMs = (u: NodeJS.CpuUsage) => `cpu ${((u.user + u.system) / 1000).toFixed(0)} ms (user ${(u.user / 1000).toFixed(0)}, sys ${(u.system / 1000).toFixed(0)})`;
const model = new ClusterModel(store, { source: 'bench' });
model.start();
const app = render(createElement(App, { model, bindings: DEFAULT_BINDINGS, width: 160, height: 50, refreshMs: 100, color: false }));
const waitFrame = async (pred: (f: string) => boolean, limitMs = 60_000) => {
  const deadline = performance.now() + limitMs;
  while (performance.now() < deadline) {
    if (pred(app.lastFrame() ?? '')) return performance.now();
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('frame did not come');
};
const first = await waitFrame((f) => f.includes(`Services (${services})`));
console.log(`first full frame: ${(first - t).toFixed(0)} ms, ${cpuMs(process.cpuUsage(cpu))} (goal < 1000 ms)`);
if (values.view !== 'svc') {
  const t0 = performance.now();
  const title = values.view === 'ep' ? `Endpoints (${services * perService})` : `EndpointSlices (${services})`;
  for (const c of `:${values.view}\r`) app.stdin.write(c);
  await waitFrame((f) => f.includes(title));
  console.log(`:${values.view} opened in ${(performance.now() - t0).toFixed(0)} ms`);
}
const firstMem = process.memoryUsage();
console.log(`memory at the first frame: rss ${mb(firstMem.rss)}, heap ${mb(firstMem.heapUsed)}`);
cpu = process.cpuUsage();
const phaseStart = performance.now();
const framesBefore = app.frames.length;

// Churn: readiness flips at `rate` events/s while we press keys.
let flips = 0;
const churn = setInterval(() => {
  for (let k = 0; k < rate / 10; k++) {
    const i = Math.floor(Math.random() * services);
    void store.apply(slice(i, Math.floor(Math.random() * perService)), { trusted: true });
    flips++;
  }
}, 100);

const latencies: number[] = [];
const deadline = performance.now() + seconds * 1000;
let n = 0;
while (performance.now() < deadline) {
  // Alternate a filter that narrows to one namespace and clearing it: each key changes the frame.
  const before = app.lastFrame();
  const start = performance.now();
  app.stdin.write(n % 2 === 0 ? 'j' : 'k');
  await waitFrame((f) => f !== before, 5000);
  latencies.push(performance.now() - start);
  n++;
  await new Promise((r) => setTimeout(r, 100));
}
clearInterval(churn);
const phaseCpu = process.cpuUsage(cpu);
const phaseMs = performance.now() - phaseStart;
const mem = process.memoryUsage();
console.log(`keypress -> frame over ${latencies.length} keys with ${flips} endpoint changes (${rate}/s): p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms (goal < 50 ms)`);
// CPU per frame drawn (keys and refreshes) is the figure that holds on a loaded machine, where
// the latencies above measure the scheduler as much as the dashboard.
const frames = app.frames.length - framesBefore;
console.log(`keypress phase: ${(phaseMs / 1000).toFixed(1)} s wall, ${cpuMs(phaseCpu)}, ${(((phaseCpu.user + phaseCpu.system) / 1000 / phaseMs) * 100).toFixed(0)}% of a core; ${frames} frames, ${((phaseCpu.user + phaseCpu.system) / 1000 / Math.max(1, frames)).toFixed(1)} ms CPU per frame`);
console.log(`memory: rss ${mb(mem.rss)}, heap ${mb(mem.heapUsed)} (goal < 300 MB); heap total ${mb(mem.heapTotal)}, external ${mb(mem.external)}`);
// With --expose-gc (node --expose-gc ... or NODE_OPTIONS=--expose-gc): how much of that heap is live,
// the rest being garbage V8 had not collected yet.
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  gc();
  const after = process.memoryUsage();
  console.log(`after a full GC: rss ${mb(after.rss)}, heap ${mb(after.heapUsed)} live`);
}
if (values['heap-snapshot']) console.log(`heap snapshot: ${writeHeapSnapshot(values['heap-snapshot'])}`);
app.unmount();
model.stop();
await store.close();
process.exit(0);
