import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { EndpointSlice } from '@svcnet/model';
import { ManualClock, MemoryStore } from '@svcnet/store';
import { App } from './App.js';
import { ClusterModel } from './clusterModel.js';
import { DEFAULT_BINDINGS } from './keymap.js';

const tick = (ms = 60) => new Promise((r) => setTimeout(r, ms));

async function waitFor(frame: () => string | undefined, text: string, timeoutMs = 3000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const f = frame() ?? '';
    if (f.includes(text)) return f;
    if (Date.now() > deadline) throw new Error(`"${text}" did not appear; last frame:\n${f}`);
    await tick(25);
  }
}

async function seeded(): Promise<{ store: MemoryStore; model: ClusterModel }> {
  const store = new MemoryStore();
  await store.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
  await store.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'data' }, spec: { selector: { app: 'db' }, ports: [{ port: 5432 }] } });
  await store.create({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abcde', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: '', port: 8080, protocol: 'TCP' }],
    endpoints: [
      { addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'node-1', targetRef: { kind: 'Pod', name: 'web-1', namespace: 'default' } },
      { addresses: ['10.244.2.7'], conditions: { ready: false }, nodeName: 'node-2', targetRef: { kind: 'Pod', name: 'web-2', namespace: 'default' } },
    ],
  });
  const model = new ClusterModel(store, { source: 'test' });
  model.start();
  await model.waitForSync();
  return { store, model };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function mount() {
  const { store, model } = await seeded();
  const app = render(createElement(App, { model, bindings: DEFAULT_BINDINGS, width: 100, height: 20, refreshMs: 20, color: false }));
  cleanups.push(async () => {
    app.unmount();
    model.stop();
    await store.close();
  });
  return { app, store, model };
}

describe('dashboard', () => {
  it('lists services with ports, endpoint counts and faults marked in text', async () => {
    const { app } = await mount();
    const frame = await waitFor(app.lastFrame, 'web');
    expect(frame).toContain('Services (2)');
    expect(frame).toMatch(/default\s+web\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP\s+1\/2/);
    expect(frame).toMatch(/data\s+db .*0\/0 \(no endpoints\).*!/);
  });

  it('filters with / and clears with esc', async () => {
    const { app } = await mount();
    await waitFor(app.lastFrame, 'db');
    app.stdin.write('/');
    await tick();
    for (const c of 'dat') app.stdin.write(c);
    await tick();
    app.stdin.write('\r');
    const frame = await waitFor(app.lastFrame, 'Services (1)');
    expect(frame).not.toMatch(/default\s+web/);
    app.stdin.write('\x1b');
    await waitFor(app.lastFrame, 'Services (2)');
  });

  it('switches views with : commands and shows endpoint readiness', async () => {
    const { app } = await mount();
    await waitFor(app.lastFrame, 'web');
    app.stdin.write(':');
    await tick();
    for (const c of 'ep') app.stdin.write(c);
    await tick();
    app.stdin.write('\r');
    const frame = await waitFor(app.lastFrame, 'Endpoints (2)');
    expect(frame).toMatch(/10\.244\.1\.5:8080\s+yes\s+yes\s+no\s+node-1\s+web-1/);
    expect(frame).toMatch(/10\.244\.2\.7:8080\s+no\s+no\s+no\s+node-2\s+web-2/);
  });

  it('opens the tree on enter, YAML on y, describe on d, help on ?', async () => {
    const { app } = await mount();
    await waitFor(app.lastFrame, 'data');
    app.stdin.write('j'); // second row: default/web (rows are sorted by namespace/name)
    await tick();
    app.stdin.write('\r');
    let frame = await waitFor(app.lastFrame, 'service default/web');
    expect(frame).toContain('endpoints 1/2 ready');
    expect(frame).toMatch(/10\.244\.2\.7:8080 not ready on node-2/);
    app.stdin.write('\x1b');
    await waitFor(app.lastFrame, 'Services (2)');
    app.stdin.write('y');
    frame = await waitFor(app.lastFrame, 'kind: Service');
    expect(frame).toContain('name: web');
    app.stdin.write('\x1b');
    await tick();
    app.stdin.write('d');
    frame = await waitFor(app.lastFrame, 'Session Affinity:');
    expect(frame).toMatch(/Endpoints:\s+10\.244\.1\.5:8080/);
    app.stdin.write('\x1b');
    await tick();
    app.stdin.write('?');
    frame = await waitFor(app.lastFrame, 'this help');
    expect(frame).toContain('toggle faults only');
  });

  it('marks a service changed live and shows faults only on f', async () => {
    const { app, store } = await mount();
    await waitFor(app.lastFrame, 'web');
    await store.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'late', namespace: 'default' }, spec: { ports: [{ port: 9 }] } });
    await waitFor(app.lastFrame, 'Services (3)');
    app.stdin.write('f');
    const frame = await waitFor(app.lastFrame, 'faults only');
    expect(frame).toContain('Services (1)');
    expect(frame).toContain('db');
  });

  it('shows node agents and their heartbeats on :nodes', async () => {
    const { app, store } = await mount();
    await store.nodeStatus.heartbeat('node-a', { proxyMode: 'nftables', message: 'generation 7 applied', generation: { desired: 8, applied: 7 }, leader: { endpoints: true } } as never);
    await waitFor(app.lastFrame, 'web');
    app.stdin.write(':');
    await tick();
    for (const c of 'nodes') app.stdin.write(c);
    app.stdin.write('\r');
    const frame = await waitFor(app.lastFrame, '7/8 behind');
    expect(frame).toMatch(/node-a\s+Ready\s+<none>\s+svcnet-age\S*\s+\d+s ago\s+nftables\s+7\/8 behind\s+endpoints/);
  });

  it('renders 10,000 services without drawing them all', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 10_000; i++) {
      await store.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: 'bulk' }, spec: { ports: [{ port: 80 }] } }, { trusted: true });
    }
    const model = new ClusterModel(store, { source: 'bulk' });
    model.start();
    await model.waitForSync();
    const started = performance.now();
    const app = render(createElement(App, { model, bindings: DEFAULT_BINDINGS, width: 100, height: 30, refreshMs: 50, color: false }));
    cleanups.push(async () => {
      app.unmount();
      model.stop();
      await store.close();
    });
    const frame = await waitFor(app.lastFrame, 'Services (10000)', 10_000);
    console.log(`[bench] first frame with 10,000 services: ${(performance.now() - started).toFixed(0)} ms`);
    expect(frame.split('\n').length).toBeLessThanOrEqual(30);
  });

  it('moves the AGE column on with the clock while the row stays cached', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const store = new MemoryStore({ clock });
    await store.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
    const model = new ClusterModel(store, { source: 'test', clock });
    model.start();
    await model.waitForSync();
    const app = render(createElement(App, { model, bindings: DEFAULT_BINDINGS, width: 100, height: 10, refreshMs: 20, color: false }));
    cleanups.push(async () => {
      app.unmount();
      model.stop();
      await store.close();
    });
    await waitFor(app.lastFrame, 'Services (1)');
    // Colours are on when the runner has a terminal (nx does): match the text, not the escape codes.
    expect(stripVTControlCharacters(app.lastFrame() ?? '')).toMatch(/default\s+web\s+.*\s0s\s*$/m);
    clock.advance(5 * 60_000);
    model.touch(); // what the dashboard's once-a-second tick does
    const frame = await waitFor(app.lastFrame, '5m');
    expect(stripVTControlCharacters(frame)).toMatch(/default\s+web\s+.*\s5m\s*$/m);
  });

  it('draws no frame for a refresh that changes only rows off screen (a lag of a second does draw), and shows them when scrolled to', async () => {
    const store = new MemoryStore();
    const created = '2026-01-01T00:00:00Z'; // a steady AGE column: no frame for the clock
    for (let i = 0; i < 30; i++) {
      await store.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${String(i).padStart(2, '0')}`, namespace: 'bulk', creationTimestamp: created }, spec: { ports: [{ port: 80 }] } }, { trusted: true });
    }
    const slice = (ready: number, net = 9): EndpointSlice & { kind: 'EndpointSlice' } => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'svc-29-abcde', namespace: 'bulk', labels: { 'kubernetes.io/service-name': 'svc-29' } },
      addressType: 'IPv4',
      ports: [{ name: '', port: 8080, protocol: 'TCP' }],
      endpoints: Array.from({ length: ready }, (_, e) => ({ addresses: [`10.244.${net}.${e + 1}`], conditions: { ready: true } })),
    });
    await store.create(slice(2), { trusted: true });
    // The model's clock stands still: no change mark fades and no lag grows while the test runs, so
    // the only news a refresh brings is svc-29's new slice.
    const clock = new ManualClock(Date.parse('2026-06-01T00:00:00Z'));
    const model = new ClusterModel(store, { source: 'bulk', clock });
    model.start();
    await model.waitForSync();
    clock.advance(10_000); // past the 2 s change marks of the initial list
    const app = render(createElement(App, { model, bindings: DEFAULT_BINDINGS, width: 100, height: 10, refreshMs: 100, color: false }));
    cleanups.push(async () => {
      app.unmount();
      model.stop();
      await store.close();
    });
    await waitFor(app.lastFrame, 'lag 0ms');
    await tick(200);
    const drawn = app.frames.length;
    await store.apply(slice(3), { trusted: true }); // svc-29 is far below the 5 rows on screen
    await tick(300);
    expect(app.frames.length).toBe(drawn);
    // A screen falling behind says so, whatever else changed: a lag of a second draws a frame.
    // (A refresh that runs between the model's receiving the change and the clock's moving on takes
    // it with a lag of 0, the clock standing still: then again with the same 4 endpoints at other
    // addresses, a bounded number of times. Which frame of the App comes first decides it.)
    for (let attempt = 0; attempt < 5 && !app.lastFrame()?.includes('lag 1.5s'); attempt++) {
      const net = 8 - (attempt % 2);
      await store.apply(slice(4, net), { trusted: true });
      for (let i = 0; i < 100 && model.list('EndpointSlice')[0]?.endpoints?.[0]?.addresses?.[0] !== `10.244.${net}.1`; i++) await tick(5);
      clock.advance(1500);
      await tick(300);
    }
    await waitFor(app.lastFrame, 'lag 1.5s');
    expect(app.lastFrame()).not.toContain('svc-29');
    app.stdin.write('G');
    const frame = await waitFor(app.lastFrame, 'svc-29');
    expect(frame).toMatch(/bulk\s+svc-29\s+.*\s4\/4\s/);
  });

  it('draws no frame for a lag that only flips between 0 and under a second under churn, and says 0 once the data is quiet', async () => {
    const store = new MemoryStore();
    const created = '2026-01-01T00:00:00Z';
    for (let i = 0; i < 30; i++) {
      await store.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${String(i).padStart(2, '0')}`, namespace: 'bulk', creationTimestamp: created }, spec: { ports: [{ port: 80 }] } }, { trusted: true });
    }
    const slice = (ready: number): EndpointSlice & { kind: 'EndpointSlice' } => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'svc-29-abcde', namespace: 'bulk', labels: { 'kubernetes.io/service-name': 'svc-29' } },
      addressType: 'IPv4',
      ports: [{ name: '', port: 8080, protocol: 'TCP' }],
      endpoints: Array.from({ length: ready }, (_, e) => ({ addresses: [`10.244.9.${e + 1}`], conditions: { ready: true } })),
    });
    const clock = new ManualClock(Date.parse('2026-06-01T00:00:00Z'));
    const model = new ClusterModel(store, { source: 'bulk', clock });
    model.start();
    await model.waitForSync();
    clock.advance(10_000);
    const app = render(createElement(App, { model, bindings: DEFAULT_BINDINGS, width: 100, height: 10, refreshMs: 20, color: false }));
    cleanups.push(async () => {
      app.unmount();
      model.stop();
      await store.close();
    });
    const changed = async (ready: number) => {
      await store.apply(slice(ready), { trusted: true });
      for (let i = 0; i < 100 && model.list('EndpointSlice')[0]?.endpoints?.length !== ready; i++) await tick(5);
    };
    await waitFor(app.lastFrame, 'lag 0ms');
    // A change off screen, 50 ms old when the refresh takes it: a sub-second lag alone draws nothing.
    let drawn = app.frames.length;
    await changed(1);
    clock.advance(50);
    await tick(150);
    expect(app.frames.length).toBe(drawn);
    // A key draws the lag as it is now (the once-a-second AGE tick may have taken a newer snapshot
    // first, with nothing pending: then once more, a bounded number of times).
    for (let attempt = 0; attempt < 5 && !app.lastFrame()?.includes('lag 50ms'); attempt++) {
      await changed(attempt % 2 ? 1 : 3);
      clock.advance(50);
      await tick(50);
      app.stdin.write(attempt % 2 ? 'k' : 'j');
      await tick(50);
    }
    expect(app.lastFrame()).toContain('lag 50ms');
    // The next change off screen arrives in the refresh's millisecond (a lag of 0 while the data is
    // not at rest): no frame either.
    drawn = app.frames.length;
    await changed(2);
    await tick(150);
    expect(app.frames.length).toBe(drawn);
    expect(app.lastFrame()).toContain('lag 50ms');
    // Quiet for a second: the screen says it is up to date.
    clock.advance(1000);
    model.touch();
    await waitFor(app.lastFrame, 'lag 0ms');
  });
});
