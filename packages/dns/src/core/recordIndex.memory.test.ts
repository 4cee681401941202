import type { EndpointSlice, Service } from '@svcnet/model';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { RecordIndex } from './recordIndex.js';
import { QTYPE } from './records.js';
import { resolve } from './resolve.js';

const SERVICES = 2000;
const PER_SERVICE = 10;

function objects(): { services: Service[]; endpointSlices: EndpointSlice[] } {
  const services: Service[] = [];
  const endpointSlices: EndpointSlice[] = [];
  for (let i = 0; i < SERVICES; i++) {
    const namespace = `ns-${i % 50}`;
    services.push({ metadata: { name: `svc-${i}`, namespace }, spec: { clusterIP: `10.96.${i >> 8}.${i & 255}`, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    endpointSlices.push({
      metadata: { name: `svc-${i}-abcde`, namespace, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: Array.from({ length: PER_SERVICE }, (_, e) => ({ addresses: [`10.${100 + e}.${i >> 8}.${i & 255}`], conditions: { ready: true } })),
    });
  }
  return { services, endpointSlices };
}

describe('RecordIndex memory (issue 18)', () => {
  it('keeps each name\'s answers in an array of its size: ~10,000s of names per 1,000 Services', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const input = objects();
    gc();
    const before = getHeapStatistics().used_heap_size;
    const idx = RecordIndex.from(input);
    gc();
    const perName = (getHeapStatistics().used_heap_size - before) / idx.names.size;
    expect(idx.names.size).toBe(SERVICES * (PER_SERVICE + 2)); // the Service, _http._tcp and one per endpoint
    const a = resolve(idx, '10-100-0-7.svc-7.ns-7.svc.cluster.local.', QTYPE.A);
    expect(a?.answer.map((r) => (r as { data: unknown }).data)).toEqual(['10.100.0.7']);
    // Arrays grown by push reserve room for 17 items: ~130 bytes more per name than the 1 it holds
    // (Node 20 and 24: ~750 bytes per name with them, ~620 without).
    expect(perName).toBeLessThan(MAX_BYTES_PER_NAME);
  });
});

const MAX_BYTES_PER_NAME = 690;
