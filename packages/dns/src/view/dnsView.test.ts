import { ManualClock, MemoryStore } from '@svcnet/store';
import { afterEach, describe, expect, it } from 'vitest';
import { slice, svc } from '../../test/fixtures.js';
import { RecordIndex } from '../core/recordIndex.js';
import { QTYPE, RCODE } from '../core/records.js';
import { resolve } from '../core/resolve.js';
import { DnsView } from './dnsView.js';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of stops.splice(0)) await f();
});

async function until(f: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(f()).toBe(true);
}

const aRecords = (idx: RecordIndex, name: string) => resolve(idx, name, QTYPE.A)!.answer.map((r) => r.data).sort();

describe('DnsView: the index follows the store', () => {
  it('answers SERVFAIL until synced, then follows creates, updates and deletes one Service at a time', async () => {
    const store = new MemoryStore();
    stops.push(() => store.close());
    await store.create(svc('default', 'web', { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }], selector: { app: 'web' } }));
    await store.create(svc('default', 'other', { ports: [{ name: 'http', port: 80, protocol: 'TCP' }], selector: { app: 'other' } }));
    await store.create(slice('default', 'web', 'web-1', [{ ip: '10.244.0.5', hostname: 'web-0' }], [{ name: 'http', port: 80 }]));
    const idx = new RecordIndex();
    expect(resolve(idx, 'nothing.default.svc.cluster.local', QTYPE.A)!.rcode).toBe(RCODE.SERVFAIL);
    const view = new DnsView(store, idx, { clock: new ManualClock(1_700_000_000_000) });
    stops.push(() => view.stop());
    await view.synced;
    expect(idx.synced).toBe(true);
    expect(idx.serial).toBe(1_700_000_000);
    expect(aRecords(idx, 'web.default.svc.cluster.local')).toEqual(['10.244.0.5']);
    expect(resolve(idx, 'nothing.default.svc.cluster.local', QTYPE.A)!.rcode).toBe(RCODE.NXDOMAIN);

    const otherNode = idx.names.get('other.default.svc.cluster.local');
    expect(otherNode).toBeDefined();
    await store.apply(slice('default', 'web', 'web-1', [{ ip: '10.244.0.5', hostname: 'web-0' }, { ip: '10.244.0.6', hostname: 'web-1' }], [{ name: 'http', port: 80 }]));
    await until(() => aRecords(idx, 'web.default.svc.cluster.local').length === 2);
    expect(resolve(idx, 'web-1.web.default.svc.cluster.local', QTYPE.A)!.answer.map((r) => r.data)).toEqual(['10.244.0.6']);
    // Only the changed Service's names were rebuilt.
    expect(idx.names.get('other.default.svc.cluster.local')).toBe(otherNode);

    await store.delete('Service', 'default', 'web');
    await until(() => resolve(idx, 'web.default.svc.cluster.local', QTYPE.A)!.rcode === RCODE.NXDOMAIN);
    expect(idx.names.get('web-0.web.default.svc.cluster.local')).toBeUndefined();
  });
});
