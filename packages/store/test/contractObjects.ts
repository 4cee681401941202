import { InvalidObjectError } from '@svcnet/model';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, isStoreError } from '../src/index.js';
import type { StoreTarget } from './contract.js';
import { service, type TestStore } from './helpers.js';

export function objectsContract(target: StoreTarget): void {
  describe('objects', () => {
    const opened: TestStore[] = [];
    const open = async (o?: Parameters<StoreTarget['open']>[0]) => {
      const s = await target.open(o);
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('creates, gets, lists, updates and deletes with per-kind revisions', async () => {
      const s = await open();
      const a = await s.create(service('a'));
      const b = await s.create(service('b'));
      expect([a.metadata?.resourceVersion, b.metadata?.resourceVersion]).toEqual(['1', '2']);
      expect((await s.get('Service', 'default', 'a'))?.metadata?.uid).toBe(a.metadata?.uid);
      expect(await s.get('Service', 'default', 'zzz')).toBeUndefined();
      const pod = await s.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
      expect(pod.metadata?.resourceVersion).toBe('1');
      const upd = await s.update({ ...a, kind: 'Service', metadata: { ...a.metadata, labels: { app: 'a' } } });
      expect(upd.metadata?.resourceVersion).toBe('3');
      expect(upd.metadata?.labels).toEqual({ app: 'a' });
      const list = await s.list('Service');
      expect(list.revision).toBe(3);
      expect(list.items.map((o) => o.metadata?.name).sort()).toEqual(['a', 'b']);
      const gone = await s.delete('Service', 'default', 'a');
      expect(gone.metadata?.name).toBe('a');
      expect(gone.metadata?.resourceVersion).toBe('4');
      expect(await s.get('Service', 'default', 'a')).toBeUndefined();
      expect((await s.list('Service')).revision).toBe(4);
    });

    it('answers Conflict, NotFound and AlreadyExists with stable codes', async () => {
      const s = await open();
      const a = await s.create(service('a'));
      await s.update({ ...a, kind: 'Service', metadata: { ...a.metadata, labels: { v: '1' } } });
      await expect(s.update({ ...a, kind: 'Service', metadata: { ...a.metadata, labels: { v: '2' } } })).rejects.toSatisfy((e) => isStoreError(e, 'Conflict'));
      await expect(s.delete('Service', 'default', 'a', { expectedRevision: 1 })).rejects.toSatisfy((e) => isStoreError(e, 'Conflict'));
      await expect(s.create(service('a'))).rejects.toSatisfy((e) => isStoreError(e, 'AlreadyExists'));
      await expect(s.update(service('nope'))).rejects.toSatisfy((e) => isStoreError(e, 'NotFound'));
      await expect(s.updateStatus(service('nope'))).rejects.toSatisfy((e) => isStoreError(e, 'NotFound'));
      await expect(s.delete('Service', 'default', 'nope')).rejects.toThrow('Service "default/nope" not found');
      // Without resourceVersion an update is unconditional, as the API server allows for Services.
      const { resourceVersion: _rv, ...meta } = a.metadata!;
      expect((await s.update({ ...a, kind: 'Service', metadata: { ...meta, labels: { v: '3' } } })).metadata?.labels).toEqual({ v: '3' });
    });

    it('rejects invalid objects with field errors and leaves state untouched', async () => {
      const s = await open();
      await s.create(service('ok'));
      const bad = service('bad', { ports: [{ port: 0 }] });
      const err = await s.create(bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidObjectError);
      expect((err as InvalidObjectError).errors.map((e) => e.field)).toContain('spec.ports[0].port');
      expect(String((err as Error).message)).toMatch(/^Service "bad" is invalid: /);
      const noName = await s.create({ apiVersion: 'v1', kind: 'Service', metadata: {}, spec: { ports: [{ port: 80 }] } }).catch((e: unknown) => e);
      expect((noName as InvalidObjectError).errors?.[0]?.field).toBe('metadata.name');
      const list = await s.list('Service');
      expect(list.revision).toBe(1);
      expect(list.items.map((o) => o.metadata?.name)).toEqual(['ok']);
      // An update that fails validation changes nothing either.
      const ok = list.items[0]!;
      await expect(s.update({ ...ok, kind: 'Service', spec: { ...ok.spec, ports: [{ port: 70000 }] } })).rejects.toBeInstanceOf(InvalidObjectError);
      expect((await s.get('Service', 'default', 'ok'))?.metadata?.resourceVersion).toBe('1');
    });

    it('sets uid, creationTimestamp and generation as the API server does', async () => {
      const s = await open({ clock: new ManualClock(Date.UTC(2024, 0, 2, 3, 4, 5, 678)) });
      const a = await s.create(service('a'));
      expect(a.metadata?.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(a.metadata?.creationTimestamp).toBe('2024-01-02T03:04:05Z');
      expect(a.metadata?.generation).toBe(1);
      const labelled = await s.update({ ...a, kind: 'Service', metadata: { ...a.metadata, labels: { x: 'y' } } });
      expect(labelled.metadata?.generation).toBe(1);
      const respec = await s.update({ ...labelled, kind: 'Service', spec: { ...labelled.spec, ports: [{ port: 81 }] } });
      expect(respec.metadata?.generation).toBe(2);
      expect(respec.metadata?.uid).toBe(a.metadata?.uid);
      expect(respec.metadata?.creationTimestamp).toBe(a.metadata?.creationTimestamp);
      const st = await s.updateStatus({ ...respec, kind: 'Service', status: { conditions: [{ type: 'Probed', status: 'True', reason: 'Test', message: '', lastTransitionTime: '2024-01-02T03:04:05Z' }] } });
      expect(st.metadata?.generation).toBe(2);
      expect(st.metadata?.resourceVersion).toBe('4');
    });

    it('keeps status and spec writes apart (the status subresource)', async () => {
      const s = await open();
      const a = await s.create(service('a', { type: 'LoadBalancer', ports: [{ port: 80 }] }));
      const lb = { loadBalancer: { ingress: [{ ip: '192.0.2.7' }] } };
      const st = await s.updateStatus({ ...a, kind: 'Service', spec: { ...a.spec, ports: [{ port: 9999 }] }, status: lb });
      expect(st.status).toEqual(lb);
      expect(st.spec?.ports?.[0]?.port).toBe(80);
      const up = await s.update({ ...st, kind: 'Service', spec: { ...st.spec, ports: [{ port: 81 }] }, status: { loadBalancer: {} } });
      expect(up.status).toEqual(lb);
      expect(up.spec?.ports?.[0]?.port).toBe(81);
      expect((await s.get('Service', 'default', 'a'))?.status).toEqual(lb);
    });

    it('applies: created, updated, unchanged without a write', async () => {
      const s = await open();
      const first = await s.apply(service('a', { ports: [{ port: 80 }] }, { metadata: { labels: { app: 'a' } } }));
      expect(first.action).toBe('created');
      const again = await s.apply(service('a', { ports: [{ port: 80 }] }, { metadata: { labels: { app: 'a' } } }));
      expect(again.action).toBe('unchanged');
      expect(again.object.metadata?.resourceVersion).toBe('1');
      expect(again.object.spec?.clusterIP).toBe(first.object.spec?.clusterIP);
      const changed = await s.apply(service('a', { ports: [{ port: 80 }] }, { metadata: { labels: { app: 'b' } }, status: { loadBalancer: {} } }));
      expect(changed.action).toBe('updated');
      expect(changed.object.metadata?.resourceVersion).toBe('2');
      expect(changed.object.spec?.clusterIP).toBe(first.object.spec?.clusterIP);
      expect((await s.list('Service')).revision).toBe(2);
    });

    it('lists by namespace and label selector in every form', async () => {
      const s = await open();
      await s.create(service('web', undefined, { metadata: { namespace: 'prod', labels: { app: 'web', tier: 'front' } } }));
      await s.create(service('db', undefined, { metadata: { namespace: 'prod', labels: { app: 'db', tier: 'back' } } }));
      await s.create(service('web', undefined, { metadata: { namespace: 'dev', labels: { app: 'web' } } }));
      const names = async (o: Parameters<TestStore['list']>[1]) =>
        (await s.list('Service', o)).items.map((i) => `${i.metadata?.namespace}/${i.metadata?.name}`).sort();
      expect(await names({ namespace: 'prod' })).toEqual(['prod/db', 'prod/web']);
      expect(await names({ labelSelector: { app: 'web' } })).toEqual(['dev/web', 'prod/web']);
      expect(await names({ namespace: 'prod', labelSelector: 'app=web' })).toEqual(['prod/web']);
      expect(await names({ labelSelector: 'tier in (front,back),app!=db' })).toEqual(['prod/web']);
      expect(await names({ labelSelector: '!tier' })).toEqual(['dev/web']);
      expect(await names({ labelSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] } })).toEqual(['prod/db', 'prod/web']);
      expect(await names({ labelSelector: { matchLabels: { app: 'db' } } })).toEqual(['prod/db']);
    });

    it('stores trusted mirrors as given: no admission, no allocation checks, identity kept', async () => {
      const s = await open();
      const mine = await s.create(service('mine'));
      const mirror = service('mirror', { clusterIP: mine.spec!.clusterIP!, ports: [{ port: 0 }] }, {
        metadata: { uid: '0f3c1c52-0d6f-4c55-9b8a-2f4d1e6f7a81', creationTimestamp: '2020-05-06T07:08:09Z' },
      });
      const stored = await s.apply(mirror, { trusted: true });
      expect(stored.action).toBe('created');
      expect(stored.object.metadata?.uid).toBe('0f3c1c52-0d6f-4c55-9b8a-2f4d1e6f7a81');
      expect(stored.object.metadata?.creationTimestamp).toBe('2020-05-06T07:08:09Z');
      expect(stored.object.spec?.clusterIP).toBe(mine.spec?.clusterIP);
      await expect(s.create(service('strict', { ports: [{ port: 0 }] }))).rejects.toBeInstanceOf(InvalidObjectError);
    });

    it('stores cluster-scoped kinds by name and records node heartbeats', async () => {
      const s = await open();
      const node = await s.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
      expect(node.metadata?.namespace).toBeUndefined();
      expect((await s.get('Node', undefined, 'n1'))?.metadata?.name).toBe('n1');
      const hb = await s.nodeStatus.heartbeat('n1', { proxyMode: 'iptables' });
      expect(hb).toMatchObject({ node: 'n1', ready: true, proxyMode: 'iptables' });
      await s.nodeStatus.heartbeat('n2', { ready: false, message: 'iptables-restore failed' });
      const all = await s.nodeStatus.list();
      expect(all.map((n) => [n.node, n.ready])).toEqual([['n1', true], ['n2', false]]);
      expect(typeof all[0]!.lastSeen).toBe('number');
      await s.nodeStatus.remove('n2');
      expect(await s.nodeStatus.get('n2')).toBeUndefined();
    });
  });
}
