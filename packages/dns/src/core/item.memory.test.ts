import type { EndpointSlice, Service } from '@svcnet/model';
import { getHeapStatistics } from 'node:v8';
import { exposedGc } from '@svcnet/testkit';
import { describe, expect, it } from 'vitest';
import { RecordIndex } from './recordIndex.js';
import { QTYPE } from './records.js';
import { resolve } from './resolve.js';
import { itemsOf } from './serviceRecords.js';

const SERVICES = 2000;
const PORTS = 50;

/** Services without ports of their own, each with one endpoint serving PORTS ports: one name, PORTS Items. */
function objects(): { services: Service[]; endpointSlices: EndpointSlice[] } {
  const services: Service[] = [];
  const endpointSlices: EndpointSlice[] = [];
  for (let i = 0; i < SERVICES; i++) {
    services.push({ metadata: { name: `svc-${i}`, namespace: 'default' }, spec: { clusterIP: 'None' } });
    endpointSlices.push({
      metadata: { name: `svc-${i}-abcde`, namespace: 'default', labels: { 'kubernetes.io/service-name': `svc-${i}` } },
      addressType: i % 2 ? 'IPv6' : 'IPv4',
      ports: Array.from({ length: PORTS }, (_, p) => ({ port: 8000 + p, protocol: 'TCP' })),
      endpoints: [{ addresses: [i % 2 ? `fd00::${i.toString(16)}` : `10.100.${i >> 8}.${i & 255}`], hostname: 'web-0', conditions: { ready: true } }],
    });
  }
  return { services, endpointSlices };
}

describe('Item memory (issue 18)', () => {
  it('keeps an answer (address, port, target) in 3 fields: its family is read from the address', () => {
    const gc = exposedGc();
    const input = objects();
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) {
      gc();
      const before = getHeapStatistics().used_heap_size;
      const idx = RecordIndex.from(input);
      gc();
      const used = getHeapStatistics().used_heap_size - before;
      const distinct = new Set<object>();
      for (const n of idx.names.values()) for (const it of itemsOf(n)) distinct.add(it);
      const items = distinct.size;
      samples.push(used / items);
      // What is kept answers as before: A for the IPv4 endpoint, AAAA for the IPv6 one, not the other.
      expect(resolve(idx, 'web-0.svc-2.default.svc.cluster.local.', QTYPE.A)?.answer.map((r) => r.data)).toEqual(['10.100.0.2']);
      expect(resolve(idx, 'web-0.svc-2.default.svc.cluster.local.', QTYPE.AAAA)?.answer).toEqual([]);
      expect(resolve(idx, 'web-0.svc-3.default.svc.cluster.local.', QTYPE.AAAA)?.answer.map((r) => r.data)).toEqual(['fd00::3']);
      expect(resolve(idx, 'svc-3.default.svc.cluster.local.', QTYPE.A)?.answer).toEqual([]);
      expect(items).toBe(SERVICES * PORTS); // each Item in the endpoint's name and the headless Service's
    }
    // ~84 bytes per Item here on Node 20 and 24 (the Item, its two slots, its share of the names).
    // An Item with a `v6` field took 8 more (~92): ~0.9 MB at 10,000 Services x 10 endpoints. One
    // field cannot fail by a large factor; the figures are exact allocation sizes, stable to <0.2.
    expect(Math.min(...samples)).toBeLessThan(MAX_BYTES_PER_ITEM);
  });
});

const MAX_BYTES_PER_ITEM = 88;
