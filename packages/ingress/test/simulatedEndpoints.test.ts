import type { Pod } from '@svcnet/model';
import { MemoryStore, dataPlaneObjects } from '@svcnet/store';
import { Pool } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith, hostAddress, hostIPv4 } from '@svcnet/testkit';
import { IngressServer, IngressView, watchIngressInputs } from '../src/index.js';
import { EchoBackend, type Echo } from './backends.js';
import { ingress, path, rule, service, slice } from './fixtures.js';

// The router fed as the agent feeds it (dataPlaneObjects): endpoints of the workload simulator's
// Pods, whose addresses exist on no machine, are never connected to; a backend left with only
// those answers a 503 that says so (issue 17).

const L = '127.0.0.1';
const H = hostIPv4() ?? '';
const SIMULATED = '10.244.0.3';
let store: MemoryStore;
let real: EchoBackend;
let server: IngressServer;
let watch: ReturnType<typeof watchIngressInputs>;
let dp: ReturnType<typeof dataPlaneObjects>;
let pool: Pool;

const pod = (name: string, simulated: boolean): Pod & { kind: 'Pod' } => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: 'default', ...(simulated ? { annotations: { 'svcnet.io/simulated': 'true' } } : {}) },
  spec: { containers: [{ name: 'c', image: 'x' }] },
});

/** The app slice with endpoints naming their Pods. */
function appSlice(endpoints: [string, string][]) {
  const s = slice('app', 'http', real.port, endpoints.map(([ip]) => [ip, true]), 'app-1');
  s.endpoints = s.endpoints.map((e, i) => ({ ...e, targetRef: { kind: 'Pod', namespace: 'default', name: endpoints[i]![1] } }));
  return s;
}

async function get(): Promise<{ status: number; text: string }> {
  const res = await pool.request({ method: 'GET', path: '/app', headers: { host: 'cafe.example.com' } });
  return { status: res.statusCode, text: await res.body.text() };
}

describeWith('the router never connects to simulated Pods', [hostAddress], () => {
  beforeAll(async () => {
    store = new MemoryStore();
    real = await new EchoBackend('real').start(H);
    await store.apply(ingress('cafe', { rules: [rule('cafe.example.com', path('/app', 'Prefix', 'app'))] }), { trusted: true });
    await store.apply(service('app', [{ port: 8080, name: 'http' }]), { trusted: true });
    await store.apply(pod('real-pod', false));
    await store.apply(pod('sim-pod', true));
    await store.apply(appSlice([[H, 'real-pod'], [SIMULATED, 'sim-pod']]), { trusted: true });
    dp = dataPlaneObjects(store);
    const view = new IngressView();
    watch = watchIngressInputs(store, view, { endpointSlices: dp.endpointSlices, endpoints: dp.endpoints });
    await Promise.all([dp.synced, watch.synced]);
    server = new IngressServer({ view, listen: { host: L, port: 0 } });
    pool = new Pool(`http://${L}:${(await server.start()).http!.port}`);
  });

  afterAll(async () => {
    watch?.stop();
    dp?.stop();
    await pool?.close();
    await server?.close();
    await real?.close();
    await store?.close();
  });

  it('sends every request to the real Pod while a simulated one shares the Service', async () => {
    for (let i = 0; i < 20; i++) {
      const r = await get();
      expect(r.status).toBe(200);
      expect((JSON.parse(r.text) as Echo).name).toBe('real');
    }
    expect(dp.withheld()).toEqual({ simulated: 1, unknownPods: 0 });
  });

  it('answers 503 saying the endpoints are simulated when only simulated Pods are left', async () => {
    await store.apply(appSlice([[SIMULATED, 'sim-pod'], ['10.244.0.4', 'sim-pod']]), { trusted: true });
    let r = await get();
    for (let i = 0; i < 100 && r.status !== 503; i++) {
      await new Promise((res) => setTimeout(res, 20));
      r = await get();
    }
    expect(r.status).toBe(503);
    expect(r.text).toContain('Service "default/app" port 8080: its 2 endpoints are simulated Pods');
    expect(r.text).toContain('nothing is sent there');
  });
});
