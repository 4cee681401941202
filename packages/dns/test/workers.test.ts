import dgram from 'node:dgram';
import { describeWith, dig as digBinary, reusePort } from '@svcnet/testkit';
import { MemoryStore } from '@svcnet/store';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DnsServer, DnsView, DnsWorkers, RecordIndex, type DnsMetricCounts } from '../src/index.js';
import { dig } from './dig.js';
import { slice, svc } from './fixtures.js';

// Two DNS servers on one address (SO_REUSEPORT), fed from one store watch in this process: this
// thread's (on the watched index) and one worker thread's (on a replica; decision 022).
// The kernel picks a server by the client's address and port, so a client port pins a server:
// the test finds one port per server and asks each server through its own.

const NAME = 'web.default.svc.cluster.local';
const headless = { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] };

/** Requests each server has answered: this thread's first, then the workers' in slot order. */
async function perWorker(w: DnsWorkers): Promise<number[]> {
  const all: DnsMetricCounts[] = await w.counts();
  return all.map((c) => c.requests.flat().reduce((a, b) => a + b, 0));
}

/** A client port for each server: one query from a port, and the server whose count moved answered it. */
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

  it('two servers are this thread\'s and one worker thread\'s, and both answer, from the records the parent watched', async () => {
    expect(workers.pool.workers).toHaveLength(1);
    expect(workers.main.addresses.udp.port).toBe(port);
    const ports = await portPerWorker(workers, port);
    expect([...ports.keys()].sort()).toEqual([0, 1]);
    for (const client of ports.values()) expect(await answers(port, client, ['10.244.0.5'])).toEqual(['10.244.0.5']);
    // TCP too: each worker has its own listener on the same port.
    expect((await dig(port, ['+tcp', NAME])).answer).toEqual([`${NAME}. 5 IN A 10.244.0.5`]);
  });

  it('/metrics sums every server\'s requests, this thread\'s too', async () => {
    const ports = await portPerWorker(workers, port);
    for (const client of ports.values()) await answers(port, client, ['10.244.0.5']);
    const each = await perWorker(workers);
    expect(each).toHaveLength(2);
    expect(each.every((n) => n > 0)).toBe(true);
    const text = await workers.registry.metrics();
    const scraped = [...text.matchAll(/^svcnet_dns_requests_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    // No query arrives between the two reads: the scrape is the sum of both servers' counts.
    expect(scraped).toBe(each.reduce((a, b) => a + b, 0));
  });

  it('a store change reaches both workers within the bound one server gets', async () => {
    const ports = await portPerWorker(workers, port);
    await store.apply(slice('default', 'web', 'web-1', [{ ip: '10.244.0.5' }, { ip: '10.244.0.6' }], [{ name: 'http', port: 80 }]));
    const want = ['10.244.0.5', '10.244.0.6'];
    expect(await answers(singlePort, undefined, want)).toEqual(want);
    for (const client of ports.values()) expect(await answers(port, client, want)).toEqual(want);
  });

  it('a worker that dies is replaced, and the replacement answers the current records', async () => {
    expect(workers.pool.workers).toHaveLength(1);
    await workers.pool.workers[0]!.terminate();
    for (let i = 0; i < 200 && (workers.pool.replacements < 1 || workers.pool.workers.length < 1); i++) await new Promise((r) => setTimeout(r, 25));
    expect(workers.pool.replacements).toBe(1);
    // Wait until the replacement is serving (it reports counts once ready).
    for (let i = 0; i < 200 && (await perWorker(workers)).length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    await store.apply(slice('default', 'web', 'web-1', [{ ip: '10.244.0.7' }], [{ name: 'http', port: 80 }]));
    const ports = await portPerWorker(workers, port);
    expect([...ports.keys()].sort()).toEqual([0, 1]);
    for (const client of ports.values()) expect(await answers(port, client, ['10.244.0.7'])).toEqual(['10.244.0.7']);
  });
});

/**
 * An upstream that sends every query it gets back to our DNS port from client port `from` (CoreDNS's
 * loop plugin's case: a resolver that forwards to us). `from` pins the query to one of our servers.
 */
class LoopingUpstream {
  private readonly socket = dgram.createSocket('udp4');
  private relay?: dgram.Socket;
  port = 0;

  async start(): Promise<this> {
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', r));
    this.port = this.socket.address().port;
    return this;
  }

  get label(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** From now on every query goes to 127.0.0.1:`to` from 127.0.0.1:`from`; before, queries are dropped. */
  async loopTo(to: number, from: number): Promise<void> {
    const relay = dgram.createSocket('udp4');
    await new Promise<void>((r) => relay.bind(from, '127.0.0.1', r));
    this.relay = relay;
    this.socket.on('message', (m) => relay.send(m, to, '127.0.0.1'));
  }

  close(): void {
    this.socket.close();
    this.relay?.close();
  }
}

describeWith('dns workers: a forwarding loop one server catches stops every server using that upstream', [digBinary, reusePort], () => {
  let workers: DnsWorkers;
  let toMain: LoopingUpstream;
  let toWorker: LoopingUpstream;
  let port = 0;

  beforeAll(async () => {
    [toMain, toWorker] = await Promise.all([new LoopingUpstream().start(), new LoopingUpstream().start()]);
    const index = RecordIndex.from({ services: [], endpointSlices: [] });
    workers = new DnsWorkers({ index, listen: '127.0.0.1:0', upstreams: [toMain.label, toWorker.label], upstreamTimeoutMs: 300, workers: 2 });
    port = (await workers.start()).udp.port;
    await workers.main.loopCheck; // the probes at start were dropped: no loop yet
  });
  afterAll(async () => {
    await workers?.stop();
    toMain?.close();
    toWorker?.close();
  });

  /** The loops each worker thread knows, bounded: 100 x 20 ms until every worker knows `want`. */
  async function workerLoops(want: string[]): Promise<string[][]> {
    let got: string[][] = [];
    for (let i = 0; i < 100; i++) {
      got = ((await workers.pool.ask({ type: 'loops' })) as string[][]).map((l) => [...l].sort());
      if (got.length === 1 && got.every((l) => JSON.stringify(l) === JSON.stringify(want))) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return got;
  }

  it('the main server\'s loop reaches the worker and the worker\'s reaches the main server; a replacement worker starts knowing both', async () => {
    expect(workers.loops).toEqual([]);
    const ports = await portPerWorker(workers, port);
    expect([...ports.keys()].sort()).toEqual([0, 1]);
    await toMain.loopTo(port, ports.get(0)!); // server 0: this thread's
    await toWorker.loopTo(port, ports.get(1)!); // server 1: the worker thread's
    const before = await perWorker(workers);
    await workers.main.loopDetector.probe();
    const after = await perWorker(workers);
    // Each probe came back to the server its upstream is pinned to.
    expect(after[0]! - before[0]!).toBeGreaterThanOrEqual(1);
    expect(after[1]! - before[1]!).toBeGreaterThanOrEqual(1);
    const both = [toMain.label, toWorker.label].sort();
    for (let i = 0; i < 100 && workers.loops.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect([...workers.loops].sort()).toEqual(both);
    expect(await workerLoops(both)).toEqual([both]);

    await workers.pool.workers[0]!.terminate();
    for (let i = 0; i < 200 && (workers.pool.replacements < 1 || (await perWorker(workers)).length < 2); i++) await new Promise((r) => setTimeout(r, 25));
    expect(workers.pool.replacements).toBe(1);
    expect(await workerLoops(both)).toEqual([both]);
  });
});
