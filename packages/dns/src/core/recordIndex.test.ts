import { describe, expect, it } from 'vitest';
import { coreDnsHandlerFixture, slice, svc } from '../../test/fixtures.js';
import { RecordIndex } from './recordIndex.js';
import { renderZone } from './zoneFile.js';

const http = [{ name: 'http', port: 80, protocol: 'TCP' }];

/** PTR answers follow each Service's names as they change (the names are the PTR targets). */
describe('RecordIndex PTRs as the names that own them', () => {
  it('answers an address shared by Services with every endpoint name, then with those left', () => {
    const idx = RecordIndex.from({
      services: [svc('ns', 'a', { clusterIP: '10.96.0.1', ports: http }), svc('ns', 'b', { clusterIP: '10.96.0.2', ports: http })],
      endpointSlices: [slice('ns', 'a', 'a-1', [{ ip: '10.0.0.9', hostname: 'x' }], http), slice('ns', 'b', 'b-1', [{ ip: '10.0.0.9', hostname: 'y' }], http)],
    });
    expect(idx.ptrTargets('10.0.0.9')).toEqual(['x.a.ns.svc.cluster.local', 'y.b.ns.svc.cluster.local']);
    idx.deleteService('ns', 'a');
    expect(idx.ptrTargets('10.0.0.9')).toEqual(['y.b.ns.svc.cluster.local']);
    idx.upsertEndpointSlice(slice('ns', 'b', 'b-1', [{ ip: '10.0.0.8', hostname: 'y' }], http));
    expect(idx.ptrTargets('10.0.0.9')).toEqual([]);
    expect(idx.ptrTargets('10.0.0.8')).toEqual(['y.b.ns.svc.cluster.local']);
    expect([...idx.ptrAddresses()].sort()).toEqual(['10.0.0.8', '10.96.0.2']);
  });

  it('answers a ClusterIP before any endpoint with that address, and the endpoint once the ClusterIP is gone', () => {
    const idx = RecordIndex.from({
      services: [svc('ns', 'a', { clusterIP: '10.96.0.1', ports: http }), svc('ns', 'b', { clusterIP: '10.96.0.2', ports: http })],
      endpointSlices: [slice('ns', 'b', 'b-1', [{ ip: '10.96.0.1', hostname: 'y' }], http)],
    });
    expect(idx.ptrTargets('10.96.0.1')).toEqual(['a.ns.svc.cluster.local']);
    expect([...idx.ptrAddresses()].filter((ip) => ip === '10.96.0.1')).toHaveLength(1);
    idx.upsertService(svc('ns', 'a', { clusterIP: '10.96.0.3', ports: http }));
    expect(idx.ptrTargets('10.96.0.1')).toEqual(['y.b.ns.svc.cluster.local']);
  });

  it('answers in a replica built from structured clones of its changes as in the index (CoreDNS handler fixture)', () => {
    const f = coreDnsHandlerFixture();
    const idx = new RecordIndex();
    const replica = new RecordIndex();
    for (const c of structuredClone(idx.changes())) replica.apply(c);
    idx.onChange = (c) => replica.apply(structuredClone(c));
    for (const s of f.endpointSlices) idx.upsertEndpointSlice(s);
    for (const s of f.services) idx.upsertService(s);
    idx.deleteService(f.services[0]!.metadata!.namespace!, f.services[0]!.metadata!.name!);
    idx.synced = true;
    expect(renderZone(replica)).toBe(renderZone(idx));
    expect(renderZone(idx)).toContain('PTR');
  });
});
