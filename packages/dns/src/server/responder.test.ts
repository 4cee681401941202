import { PerformanceObserver, performance } from 'node:perf_hooks';
import * as dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { coreDnsHandlerFixture, seedFixture } from '../../test/fixtures.js';
import { RecordIndex } from '../core/recordIndex.js';
import { fillName, newParsedQuery, scanQuery } from '../wire/query.js';
import { Responder } from './responder.js';

const QUESTIONS: [string, dnsPacket.RecordType][] = [
  ['svc1.testns.svc.cluster.local', 'A'],
  ['SVC1.TestNS.svc.cluster.local', 'A'],
  ['nginx.default.svc.cluster.local', 'A'],
  ['_web._tcp.nginx.default.svc.cluster.local', 'SRV'],
  ['svc0.testns.svc.cluster.local', 'A'], // NXDOMAIN
  ['svc1.testns.svc.cluster.local', 'AAAA'], // NODATA
  ['20.0.96.10.in-addr.arpa', 'PTR'],
];

function setup() {
  const a = coreDnsHandlerFixture();
  const b = seedFixture();
  const idx = RecordIndex.from({ services: [...a.services, ...b.services], endpointSlices: [...a.endpointSlices, ...b.endpointSlices] });
  const r = new Responder(idx);
  const msgs = QUESTIONS.map(([name, type], i) => dnsPacket.encode({ id: i, type: 'query', questions: [{ name, type, class: 'IN' }] }));
  const q = newParsedQuery();
  for (const m of msgs) {
    scanQuery(m, q);
    expect(Buffer.isBuffer(r.answer(m, q, 512))).toBe(true); // compiles each answer once
  }
  return { idx, r, msgs, q };
}

/** Garbage collections that started while `body` ran (a synchronous loop: only its allocations can start one). */
async function collectionsDuring(body: () => void): Promise<number> {
  const starts: number[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) starts.push(e.startTime);
  });
  obs.observe({ entryTypes: ['gc'] });
  const t0 = performance.now();
  body();
  const t1 = performance.now();
  await new Promise((res) => setTimeout(res, 50)); // gc entries are delivered asynchronously
  obs.disconnect();
  return starts.filter((t) => t >= t0 && t <= t1).length;
}

describe('Responder: repeated questions from the byte-keyed answer table', () => {
  it('finds the compiled answer for any spelling of a question, and misses after the index changes', () => {
    const { idx, r, msgs, q } = setup();
    for (const m of msgs) {
      scanQuery(m, q);
      expect(r.cached(q)).toBeDefined();
    }
    idx.upsertService({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'testns', name: 'svc1' }, spec: { clusterIPs: ['10.0.0.99'], ports: [{ name: 'http', port: 80 }] } });
    scanQuery(msgs[0]!, q);
    expect(r.cached(q)).toBeUndefined();
    // The plain path answers from the changed index (and fills the table again).
    const out = dnsPacket.decode(r.answer(msgs[0]!, q, 512) as Buffer);
    expect(out.answers!.map((a) => (a as { data?: unknown }).data)).toEqual(['10.0.0.99']);
    scanQuery(msgs[1]!, q);
    expect(r.cached(q)).toBeDefined(); // the same length in another case: same entry
  });

  it('answers names longer than the table keeps (64 bytes) on the plain path, every time', () => {
    const { r, q } = setup();
    const name = 'a-service-name-long-enough-to-pass-the-limit.testns.svc.cluster.local';
    expect(name.length).toBeGreaterThan(64);
    const m = dnsPacket.encode({ id: 9, type: 'query', questions: [{ name, type: 'A', class: 'IN' }] });
    for (let i = 0; i < 2; i++) {
      scanQuery(m, q);
      expect(r.cached(q)).toBeUndefined();
      expect((r.answer(m, q, 512) as Buffer)[3]! & 0xf).toBe(3); // NXDOMAIN
    }
  });

  it('scanning a query and finding its answer allocates nothing (no garbage collection in 150,000 lookups)', async () => {
    const { r, msgs, q } = setup();
    const N = 150_000;
    let found = 0;
    const lookups = () => {
      for (let i = 0; i < N; i++) {
        scanQuery(msgs[i % msgs.length]!, q);
        if (r.cached(q) !== undefined) found++;
      }
    };
    lookups(); // warm up: type feedback and optimised code first
    found = 0;
    expect(await collectionsDuring(lookups)).toBe(0);
    expect(found).toBe(N);
    // The detector works: the same loop making the name's string (what a Map lookup by name needs) collects.
    const withStrings = () => {
      for (let i = 0; i < N; i++) {
        scanQuery(msgs[i % msgs.length]!, q);
        fillName(q);
        if (`${q.name}|${q.qtype}`.length > 0) found++;
      }
    };
    expect(await collectionsDuring(withStrings)).toBeGreaterThan(0);
  });
});
