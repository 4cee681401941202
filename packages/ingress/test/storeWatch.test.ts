import { MemoryStore } from '@svcnet/store';
import { Pool } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith, hostAddress, hostIPv4 } from '@svcnet/testkit';
import { IngressServer, IngressView, watchIngressInputs } from '../src/index.js';
import { EchoBackend } from './backends.js';
import type { Echo } from './backends.js';
import { ingress, path, rule, service, slice } from './fixtures.js';

const L = '127.0.0.1';
/** Backends on this machine's own address: the store refuses loopback endpoints, as the API server does. */
const H = hostIPv4() ?? '';
let store: MemoryStore;
let a: EchoBackend;
let b: EchoBackend;
let server: IngressServer;
let watch: ReturnType<typeof watchIngressInputs>;
let pool: Pool;

async function who(): Promise<string | number> {
  const res = await pool.request({ method: 'GET', path: '/app', headers: { host: 'cafe.example.com' } });
  if (res.statusCode !== 200) {
    await res.body.dump();
    return res.statusCode;
  }
  return ((await res.body.json()) as Echo).name;
}

/** Polls (bounded: 100 x 20 ms) until the router's answer is `want`. */
async function eventually(want: string | number): Promise<void> {
  let got: string | number = '';
  for (let i = 0; i < 100; i++) {
    got = await who();
    if (got === want) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(got).toBe(want);
}

describeWith('the router following the store', [hostAddress], () => {
  beforeAll(async () => {
    store = new MemoryStore();
    [a, b] = await Promise.all([new EchoBackend('a').start(H), new EchoBackend('b').start(H)]);
    const view = new IngressView();
    watch = watchIngressInputs(store, view);
    await watch.synced;
    server = new IngressServer({ view, listen: { host: L, port: 0 } });
    const port = (await server.start()).http!.port;
    pool = new Pool(`http://${L}:${port}`);
  });

  afterAll(async () => {
    watch?.stop();
    await pool?.close();
    await server?.close();
    await Promise.all([a?.close(), b?.close()]);
    await store?.close();
  });

  it('follows Ingress, Service and EndpointSlice changes in the store', async () => {
    expect(await who()).toBe(404);
    await store.apply(ingress('cafe', { rules: [rule('cafe.example.com', path('/app', 'Prefix', 'app'))] }), { trusted: true });
    await eventually(503);
    await store.apply(service('app', [{ port: 8080, name: 'http' }]), { trusted: true });
    await store.apply(slice('app', 'http', a.port, [[H, true]], 'app-1'), { trusted: true });
    await eventually('a');
    await store.apply(slice('app', 'http', b.port, [[H, true]], 'app-1'), { trusted: true });
    await eventually('b');
    await store.delete('Ingress', 'default', 'cafe');
    await eventually(404);
  });
});
