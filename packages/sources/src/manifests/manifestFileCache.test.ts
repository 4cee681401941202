import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { exposedGc } from '@svcnet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManifestFileCache } from './manifestFileCache.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), `svcnet-manifest-cache-${process.pid}-`));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ManifestFileCache', () => {
  it('lets go of the parsed objects of a released file, keeps their identities, and parses again after forget', async () => {
    const gc = exposedGc();
    const file = join(dir, 'a.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'prod' }, spec: { ports: [{ port: 80 }] } }] }));
    const cache = new ManifestFileCache();
    // Nothing of the test may hold the parsed object once this returns.
    const firstRead = async (): Promise<WeakRef<object>> => {
      const read = await cache.read(file, undefined);
      expect(read.objects).toMatchObject([{ key: 'Service/prod/web', file, index: 1, line: 1, object: { metadata: { name: 'web' } } }]);
      return new WeakRef(read.objects[0]!.object!);
    };
    const parsed = await firstRead();
    cache.release(file);
    for (let i = 0; i < 20 && parsed.deref() !== undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
      gc();
    }
    expect(parsed.deref()).toBeUndefined();

    const unchanged = await cache.read(file, undefined);
    expect(unchanged.objects).toHaveLength(1);
    expect(unchanged.objects[0]).toMatchObject({ key: 'Service/prod/web', content: expect.any(String) });
    expect(unchanged.objects[0]!.object).toBeUndefined();

    cache.forget(file);
    const again = await cache.read(file, undefined);
    expect(again.objects[0]).toMatchObject({ content: unchanged.objects[0]!.content, object: { metadata: { name: 'web' } } });
  });

  it('keeps ~200 bytes per released object: identity, place and digest (issue 18: 10,000s of them)', async () => {
    const gc = exposedGc();
    const file = join(dir, 'many.json');
    const items = Array.from({ length: 20_000 }, (_, i) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, namespace: 'default' }, spec: { ports: [{ port: 80 }] } }));
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    // Whatever else the process allocates meanwhile (the runner's own messages) only adds to a
    // sample: the least of three is the cache's own share.
    const samples: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const cache = new ManifestFileCache();
      gc();
      const before = getHeapStatistics().used_heap_size;
      const read = await cache.read(file, undefined);
      cache.release(file);
      gc();
      samples.push((getHeapStatistics().used_heap_size - before) / read.objects.length);
      expect(read.objects).toHaveLength(20_000);
    }
    // Built by spread, each released entry had a hidden class of its own: ~500 bytes.
    expect(Math.min(...samples)).toBeLessThan(300);
  });
});
