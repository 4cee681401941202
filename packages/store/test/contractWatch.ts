import { afterEach, describe, expect, it } from 'vitest';
import { isStoreError, listAndWatch } from '../src/index.js';
import type { InformerEvent } from '../src/index.js';
import type { Service } from '@svcnet/model';
import type { StoreTarget } from './contract.js';
import { eventually, expiringWatch, service, take, versions, type TestStore } from './helpers.js';

export function watchContract(target: StoreTarget): void {
  describe('watch', () => {
    const opened: TestStore[] = [];
    const open = async (o?: Parameters<StoreTarget['open']>[0]) => {
      const s = await target.open(o);
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('delivers every write in revision order, without gaps or duplicates, and resumes', async () => {
      const s = await open();
      const a = await s.create(service('a'));
      await s.update({ ...a, kind: 'Service', metadata: { ...a.metadata, labels: { n: '1' } } });
      await s.create(service('b'));
      await s.delete('Service', 'default', 'a');
      const all = await take(s, 'Service', 0, 4);
      expect(all.map((e) => [e.type, e.revision, e.type === 'BOOKMARK' ? '' : e.object.metadata?.name])).toEqual([
        ['ADDED', 1, 'a'],
        ['MODIFIED', 2, 'a'],
        ['ADDED', 3, 'b'],
        ['DELETED', 4, 'a'],
      ]);
      const resumed = await take(s, 'Service', 2, 2);
      expect(resumed.map((e) => e.revision)).toEqual([3, 4]);
      // Live: writes made while watching arrive in order, each once.
      const live = take(s, 'Service', 4, 30);
      const writers = Array.from({ length: 30 }, (_, i) => s.create(service(`live-${i}`)));
      await Promise.all(writers);
      const got = await live;
      expect(got.map((e) => e.revision)).toEqual(Array.from({ length: 30 }, (_, i) => 5 + i));
      expect(new Set(got.map((e) => (e.type === 'BOOKMARK' ? '' : e.object.metadata?.name))).size).toBe(30);
    });

    it('emits bookmarks with the current revision while idle', async () => {
      const s = await open();
      await s.create(service('a'));
      const events = await take(s, 'Service', 1, 2, { bookmarks: true, bookmarkIntervalMs: 30 });
      expect(events.map((e) => [e.type, e.revision])).toEqual([['BOOKMARK', 1], ['BOOKMARK', 1]]);
    });

    it('answers Expired for history no longer kept, and listAndWatch converges', async () => {
      const s = await open({ historyLimit: 20 });
      for (let i = 0; i < 250; i++) await s.apply(service(`s-${i % 40}`, { ports: [{ port: 1000 + i }] }));
      const err = await take(s, 'Service', 0, 1).catch((e: unknown) => e);
      expect(isStoreError(err, 'Expired')).toBe(true);
      expect((await take(s, 'Service', 249, 1)).map((e) => e.revision)).toEqual([250]);
      expect(isStoreError(await take(s, 'Service', 9999, 1).catch((e: unknown) => e), 'Expired')).toBe(true);
      const inf = listAndWatch(s, 'Service', { bookmarkIntervalMs: 50 });
      await inf.synced;
      for (let i = 0; i < 10; i++) await s.delete('Service', 'default', `s-${i}`);
      const want = versions((await s.list('Service')).items);
      expect(await eventually(() => JSON.stringify(versions(inf.list())) === JSON.stringify(want))).toBe(true);
      expect(inf.revision).toBe(260);
      inf.stop();
    });

    it('informer sees live changes, with the old object on MODIFIED', async () => {
      const s = await open();
      const a = await s.create(service('a'));
      const inf = listAndWatch(s, 'Service', { bookmarkIntervalMs: 30 });
      const seen: InformerEvent<Service>[] = [];
      inf.on((e) => seen.push(e));
      const unsubscribed: unknown[] = [];
      inf.on((e) => unsubscribed.push(e))();
      await inf.synced;
      expect(inf.hasSynced()).toBe(true);
      await s.update({ ...a, kind: 'Service', metadata: { ...a.metadata, labels: { v: '2' } } });
      await s.delete('Service', 'default', 'a');
      expect(await eventually(() => seen.length === 3)).toBe(true);
      expect(seen.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
      const mod = seen[1]!;
      expect(mod.type === 'MODIFIED' ? mod.old.metadata?.labels : 'x').toBeUndefined();
      expect(mod.object.metadata?.labels).toEqual({ v: '2' });
      expect(inf.get('default/a')).toBeUndefined();
      expect(unsubscribed).toEqual([]);
      inf.stop();
    });

    it('informer relists after Expired and emits the difference', async () => {
      const s = await open();
      await s.create(service('keep'));
      await s.create(service('gone'));
      const changed = await s.create(service('changed'));
      const { store: view, expire } = expiringWatch(s);
      const inf = listAndWatch(view, 'Service', { bookmarkIntervalMs: 30 });
      const seen: string[] = [];
      inf.on((e) => seen.push(`${e.type} ${e.object.metadata?.name}`));
      await inf.synced;
      expect(seen.sort()).toEqual(['ADDED changed', 'ADDED gone', 'ADDED keep']);
      seen.length = 0;
      // Changes the watch never delivers: the relist must surface each of them once.
      await s.update({ ...changed, kind: 'Service', metadata: { ...changed.metadata, labels: { v: '2' } } });
      await s.delete('Service', 'default', 'gone');
      await s.create(service('new'));
      expire();
      expect(await eventually(() => seen.length >= 3)).toBe(true);
      expect(seen.sort()).toEqual(['ADDED new', 'DELETED gone', 'MODIFIED changed']);
      expect(Object.keys(versions(inf.list())).sort()).toEqual(['default/changed', 'default/keep', 'default/new']);
      await s.create(service('after'));
      expect(await eventually(() => inf.get('default/after') !== undefined)).toBe(true);
      inf.stop();
    });
  });
}
