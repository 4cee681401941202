import { describeWith, dig as digBinary, reusePort } from '@svcnet/testkit';
import { MemoryStore } from '@svcnet/store';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DnsServer, DnsView, DnsWorkers, RecordIndex, type DnsMetricCounts } from '../src/index.js';
import { dig } from './dig.js';
import { slice, svc } from './fixtures.js';

// Two DNS workers on one address (SO_REUSEPORT), fed from one store watch in this process.
// The kernel picks a worker by the client's address and port, so a client port pins a worker:
// the test finds one port per worker and asks each worker through its own.

const NAME = 'web.default.svc.cluster.local';
const headless = { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] };

/** Requests each worker has answered, in slot order. */
async function perWorker(w: DnsWorkers): Promise<number[]> {
  const all = (await w.pool.ask({ type: 'metrics' })) as DnsMetricCounts[];
  return all.map((c) => c.requests.flat().reduce((a, b) => a + b, 0));
}

/** A client port for each worker: one query from a port, and the worker whose count moved answered it. */
async function portPerWorker(w: DnsWorkers, port: number): Promise<Map<number, number>> {
  const found = new Map<number, number>();
  for (let i = 0; i < 40 && found.size < 2; i++) {
    const client = 20000 + Math.floor(Math.random() * 20000);
    const before = await perWorker(w);
    const r = await dig(port, ['-b', `127.0.0.1#${client}`, '+notcp', NAME]).catch(() => undefined);
    if (!r) continue; // that client port was taken: try another
    expect(r.status).toMatch(/NOERROR|NXDOMAIN/);
    const after = await perWorker(w);
    const slot = after.findIndex((n, k) => n > (before[k] ?? 0));
    if (slot >= 0 && !found.has(slot)) found.set(slot, client);
  }
  return found;
}

/** Asks through `client` until the answer is `want`: at most 100 tries, 20 ms apart. */
async function answers(port: number, client: number | undefined, want: string[]): Promise<string[]> {
  let got: string[] = [];
  for (let i = 0; i < 100; i++) {
    const r = await dig(port, [...(client ? ['-b', `127.0.0.1#${client}`] : []), '+notcp', NAME]).catch(() => undefined);
    got = (r?.answer ?? []).map((a) => a.split(' ').pop()!).sort();
    if (JSON.stringify(got) === JSON.stringify(want)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return got;
}

describeWith('dns workers: two SO_REUSEPORT workers fed from one store watch', [digBinary, reusePort], () => {
  let store: MemoryStore;
  let index: RecordIndex;
  let view: DnsView;
  let workers: DnsWorkers;
  let single: DnsServer;
  let singleView: DnsView;
  let port = 0;
  let singlePort = 0;

  beforeAll(async () => {
    store = new MemoryStore();
    await store.create(svc('default', 'web', headless));
    await store.create(slice('default', 'web', 'web-1', [{ ip: '10.244.0.5' }], [{ name: 'http', port: 80 }]));
    index = new RecordIndex();
    view = new DnsView(store, index);
    await view.synced;
    workers = new DnsWorkers({ index, listen: '127.0.0.1:0', upstreams: [], workers: 2 });
    port = (await workers.start()).udp.port;
    // The same watch and bound with one server in this process, for comparison.
    const singleIndex = new RecordIndex();
    singleView = new DnsView(store, singleIndex);
    await singleView.synced;
    single = new DnsServer({ index: singleIndex, listen: '127.0.0.1:0', upstreams: [] });
    singlePort = (await single.start()).udp.port;
  });
  afterAll(async () => {
    await workers?.stop();
    await single?.stop();
    view?.stop();
    singleView?.stop();
    await store?.close();
  });

  it('both workers answer, from the records the parent watched', async () => {
    const ports = await portPerWorker(workers, port);
    expect([...ports.keys()].sort()).toEqual([0, 1]);
    for (const client of ports.values()) expect(await answers(port, client, ['10.244.0.5'])).toEqual(['10.244.0.5']);
    // TCP too: each worker has its own listener on the same port.
    expect((await dig(port, ['+tcp', NAME])).answer).toEqual([`${NAME}. 5 IN A 10.244.0.5`]);
  });

  it('a store change reaches both workers within the bound one server gets', async () => {
    const ports = await portPerWorker(workers, port);
    await store.apply(slice('default', 'web', 'web-1', [{ ip: '10.244.0.5' }, { ip: '10.244.0.6' }], [{ name: 'http', port: 80 }]));
    const want = ['10.244.0.5', '10.244.0.6'];
    expect(await answers(singlePort, undefined, want)).toEqual(want);
    for (const client of ports.values()) expect(await answers(port, client, want)).toEqual(want);
  });

  it('a worker that dies is replaced, and the replacement answers the current records', async () => {
    const before = workers.pool.workers.length;
    expect(before).toBe(2);
    await workers.pool.workers[0]!.terminate();
    for (let i = 0; i < 200 && (workers.pool.replacements < 1 || workers.pool.workers.length < 2); i++) await new Promise((r) => setTimeout(r, 25));
    expect(workers.pool.replacements).toBe(1);
    // Wait until the replacement is serving (it reports counts once ready).
    for (let i = 0; i < 200 && (await perWorker(workers)).length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    await store.apply(slice('default', 'web', 'web-1', [{ ip: '10.244.0.7' }], [{ name: 'http', port: 80 }]));
    const ports = await portPerWorker(workers, port);
    expect([...ports.keys()].sort()).toEqual([0, 1]);
    for (const client of ports.values()) expect(await answers(port, client, ['10.244.0.7'])).toEqual(['10.244.0.7']);
  });
});
