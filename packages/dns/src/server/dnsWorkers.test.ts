import { type EndpointSlice, type Service, SNAPSHOT_CHUNK } from '@svcnet/model';
import { describe, expect, it } from 'vitest';
import { RecordIndex } from '../core/recordIndex.js';
import { snapshotMessages } from './dnsWorkers.js';

// Decision 021: a new DNS worker gets the index as `changes` messages of SNAPSHOT_CHUNK changes, the
// `state` change (serial, synced) last, so a replica applying them in order ends as the index is.

function index(services: number): RecordIndex {
  const s: Service[] = [];
  const e: EndpointSlice[] = [];
  for (let i = 0; i < services; i++) {
    s.push({ metadata: { name: `svc-${i}`, namespace: 'ns' }, spec: { clusterIP: `10.96.${i >> 8}.${i & 255}`, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    e.push({
      metadata: { name: `svc-${i}-a`, namespace: 'ns', labels: { 'kubernetes.io/service-name': `svc-${i}` } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [{ addresses: [`10.100.${i >> 8}.${i & 255}`], conditions: { ready: true } }],
    });
  }
  return RecordIndex.from({ services: s, endpointSlices: e });
}

describe('snapshotMessages', () => {
  it.each([0, 1, SNAPSHOT_CHUNK - 1, SNAPSHOT_CHUNK, 2 * SNAPSHOT_CHUNK + 7])('%i Services: chunks of at most SNAPSHOT_CHUNK, state last, a replica equal to the index', (n) => {
    const idx = index(n);
    const all = idx.changes();
    const messages = snapshotMessages(all);
    expect(messages).toHaveLength(Math.ceil(all.length / SNAPSHOT_CHUNK));
    for (const m of messages) expect(m.changes.length).toBeLessThanOrEqual(SNAPSHOT_CHUNK);
    expect(messages.at(-1)!.changes.at(-1)!.kind).toBe('state');
    const replica = new RecordIndex({ ...idx.options, namespaces: [...idx.options.namespaces] });
    for (const m of messages) for (const c of structuredClone(m.changes)) replica.apply(c);
    expect(replica.changes()).toEqual(all);
    expect(replica.synced).toBe(true);
  });
});
