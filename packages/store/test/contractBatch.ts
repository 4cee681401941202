import { InvalidObjectError, LABEL_SERVICE_NAME, type EndpointSlice, type Pod } from '@svcnet/model';
import { afterEach, describe, expect, it } from 'vitest';
import { isStoreError, type BatchOp, type BatchResult } from '../src/index.js';
import type { StoreTarget } from './contract.js';
import { service, take, type TestStore } from './helpers.js';

const pod = (name: string, labels: Record<string, string> = {}): Pod & { kind: 'Pod' } => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
});

const slice = (name: string, address: string): EndpointSlice & { kind: 'EndpointSlice' } => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: 'default', labels: { [LABEL_SERVICE_NAME]: 'web' } },
  addressType: 'IPv4',
  endpoints: [{ addresses: [address], conditions: { ready: true } }],
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
});

/** Each result as `ok action` or `error code`, for one-line expectations. */
const outcomes = (rs: readonly BatchResult[]) =>
  rs.map((r) => (r.ok ? `ok ${r.action}` : `error ${isStoreError(r.error) ? r.error.code : r.error.constructor.name}`));

export function batchContract(target: StoreTarget): void {
  describe('batch', () => {
    const opened: TestStore[] = [];
    const open = async () => {
      const s = await target.open();
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('decides each op on its own: a conflict or refusal in the middle stops nothing else', async () => {
      const s = await open();
      const a = await s.create(pod('a'));
      const b = await s.create(pod('b'));
      const stale = { ...b, kind: 'Pod' as const, metadata: { ...b.metadata, resourceVersion: '1' } };
      const results = await s.batch([
        { op: 'create', object: pod('c') },
        { op: 'update', object: { ...a, kind: 'Pod', metadata: { ...a.metadata, labels: { v: '2' } } } },
        { op: 'update', object: { ...stale, metadata: { ...stale.metadata, labels: { v: 'stale' } } } },
        { op: 'create', object: pod('a') },
        { op: 'update', object: pod('missing') },
        { op: 'create', object: { ...pod('bad'), spec: { containers: [] } } },
        { op: 'apply', object: pod('d', { x: 'y' }) },
        { op: 'delete', kind: 'Pod', name: 'nope' },
        { op: 'delete', kind: 'Pod', namespace: 'default', name: 'b', expectedRevision: 1 },
        { op: 'apply', object: pod('e') },
      ]);
      expect(outcomes(results)).toEqual([
        'ok created', 'ok updated', 'error Conflict', 'error AlreadyExists', 'error NotFound',
        'error InvalidObjectError', 'ok created', 'error NotFound', 'error Conflict', 'ok created',
      ]);
      const refused = results[5]!;
      expect(!refused.ok && refused.error instanceof InvalidObjectError && refused.error.errors.map((e) => e.field)).toContain('spec.containers');
      // The writes took consecutive revisions after the two creates, in the batch's order.
      const written = results.filter((r) => r.ok).map((r) => Number(r.object.metadata?.resourceVersion));
      expect(written).toEqual([3, 4, 5, 6]);
      const listed = await s.list('Pod');
      expect(listed.revision).toBe(6);
      expect(listed.items.map((p) => [p.metadata?.name, p.metadata?.labels?.['v'] ?? '']).sort()).toEqual([['a', '2'], ['b', ''], ['c', ''], ['d', ''], ['e', '']]);
      // Watchers see the batch's writes as any others, in revision order.
      const events = await take(s, 'Pod', 2, 4);
      expect(events.map((e) => [e.type, e.type === 'BOOKMARK' ? '' : e.object.metadata?.name])).toEqual([['ADDED', 'c'], ['MODIFIED', 'a'], ['ADDED', 'd'], ['ADDED', 'e']]);
    });

    it('applies ops on one object in order, deletes, and answers unchanged without a write', async () => {
      const s = await open();
      const results = await s.batch([
        { op: 'create', object: pod('x') },
        { op: 'apply', object: pod('x', { step: '2' }) },
        { op: 'apply', object: pod('x', { step: '2' }) },
        { op: 'delete', kind: 'Pod', namespace: 'default', name: 'x' },
        { op: 'create', object: pod('x', { step: '4' }) },
      ]);
      expect(outcomes(results)).toEqual(['ok created', 'ok updated', 'ok unchanged', 'ok deleted', 'ok created']);
      expect(results.map((r) => (r.ok ? r.object.metadata?.resourceVersion : ''))).toEqual(['1', '2', '2', '3', '4']);
      const deleted = results[3]!;
      expect(deleted.ok && deleted.object.metadata?.labels).toEqual({ step: '2' });
      expect((await s.get('Pod', 'default', 'x'))?.metadata?.labels).toEqual({ step: '4' });
      expect((await take(s, 'Pod', 0, 4)).map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED', 'ADDED']);
    });

    it('writes a batch larger than one script call takes, in order, every op once', async () => {
      const s = await open();
      const n = 700;
      const ops: BatchOp[] = Array.from({ length: n }, (_, i) => ({ op: 'create', object: pod(`p-${i}`, { i: String(i) }) }));
      const results = await s.batch(ops);
      expect(results.every((r) => r.ok && r.action === 'created')).toBe(true);
      expect(results.map((r) => (r.ok ? r.object.metadata?.name : ''))).toEqual(ops.map((o) => (o.op === 'create' ? o.object.metadata?.name : '')));
      const revisions = results.map((r) => (r.ok ? Number(r.object.metadata?.resourceVersion) : 0));
      expect(new Set(revisions).size).toBe(n);
      expect(Math.min(...revisions)).toBe(1);
      expect(Math.max(...revisions)).toBe(n);
      const listed = await s.list('Pod');
      expect(listed.items).toHaveLength(n);
      expect(listed.revision).toBe(n);
      const events = await take(s, 'Pod', 0, n, { ms: 15_000 });
      expect(events.map((e) => e.revision)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      // And a second large batch of updates and deletes over the same objects.
      const second = await s.batch(results.map((r, i): BatchOp => (i % 2 ? { op: 'delete', kind: 'Pod', namespace: 'default', name: `p-${i}` } : { op: 'apply', object: pod(`p-${i}`, { i: String(i), v: '2' }) })));
      expect(second.every((r) => r.ok)).toBe(true);
      expect((await s.list('Pod')).items.every((p) => p.metadata?.labels?.['v'] === '2')).toBe(true);
      expect((await s.list('Pod')).items).toHaveLength(n / 2);
    });

    it('refuses a whole batch under a lost lease, and trusted slices with bad addresses one by one', async () => {
      const s = await open();
      const lease = await s.leases.acquire('ctl', 'me', 10_000);
      const fence = { lease: 'ctl', token: lease!.token };
      const ok = await s.batch([{ op: 'create', object: slice('web-a', '10.244.0.1') }, { op: 'create', object: slice('web-b', '127.0.0.1') }, { op: 'create', object: slice('web-c', '10.244.0.3') }], { fence, trusted: true, immutable: true });
      expect(outcomes(ok)).toEqual(['ok created', 'error InvalidObjectError', 'ok created']);
      const refused = ok[1]!;
      expect(!refused.ok && String(refused.error.message)).toContain('endpoints[0].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback range');
      await s.leases.release(lease!);
      await s.leases.acquire('ctl', 'other', 10_000);
      const fenced = await s.batch([{ op: 'delete', kind: 'EndpointSlice', namespace: 'default', name: 'web-a' }, { op: 'create', object: slice('web-d', '10.244.0.4') }], { fence, trusted: true });
      expect(outcomes(fenced)).toEqual(['error Fenced', 'error Fenced']);
      expect((await s.list('EndpointSlice')).items.map((o) => o.metadata?.name).sort()).toEqual(['web-a', 'web-c']);
    });

    it('allocates addresses for the Services of a batch as their single writes would', async () => {
      const s = await open();
      const results = await s.batch([
        ...Array.from({ length: 10 }, (_, i): BatchOp => ({ op: 'create', object: service(`svc-${i}`, { type: 'NodePort', ports: [{ port: 80 }] }) })),
        { op: 'create', object: pod('beside') },
      ]);
      expect(results.every((r) => r.ok)).toBe(true);
      const ips = results.slice(0, 10).map((r) => (r.ok ? (r.object as { spec?: { clusterIP?: string } }).spec?.clusterIP : ''));
      expect(new Set(ips).size).toBe(10);
    });
  });
}
