import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { exposedGc } from '@svcnet/testkit';
import { MemoryStore } from '@svcnet/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManifestSource } from '../src/index.js';
import { ManifestFileCache } from '../src/manifests/manifestFileCache.js';

const OBJECTS = 20_000;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), `svcnet-manifest-memory-${process.pid}-`));
  const items = Array.from({ length: OBJECTS }, (_, i) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, namespace: 'default' }, spec: { ports: [{ port: 80 }] } }));
  writeFileSync(join(dir, 'many.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function collector(): () => Promise<void> {
  const gc = exposedGc();
  // Twice, a tick apart: what a finished promise chain held is garbage only after it settles.
  return async () => {
    gc();
    await new Promise((r) => setTimeout(r, 10));
    gc();
  };
}

/**
 * Heap bytes per object that the holder `hold` returns keeps: what is freed when it is let go of,
 * everything else staying. The least of three samples (something else freed meanwhile would add).
 */
async function bytesPerObject(collect: () => Promise<void>, hold: () => Promise<{ holder: unknown }>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    let held: { holder: unknown } | undefined = await hold();
    await collect();
    const withHolder = getHeapStatistics().used_heap_size;
    held.holder = undefined;
    held = undefined;
    await collect();
    samples.push((withHolder - getHeapStatistics().used_heap_size) / OBJECTS);
  }
  return Math.min(...samples);
}

describe('ManifestSource memory (issue 18)', () => {
  it('keeps one identity entry per applied object: the file cache\'s, not a copy beside it', async () => {
    const collect = collector();
    // Each sample writes to a store of its own, kept until the end: only the source is let go of.
    const stores: MemoryStore[] = [];
    const cacheAlone = await bytesPerObject(collect, async () => {
      const cache = new ManifestFileCache();
      const read = await cache.read(join(dir, 'many.json'), undefined);
      expect(read.objects).toHaveLength(OBJECTS);
      cache.release(join(dir, 'many.json'));
      return { holder: cache };
    });
    const source = await bytesPerObject(collect, async () => {
      const store = new MemoryStore();
      stores.push(store);
      const s = new ManifestSource(store, { paths: dir, watch: false });
      const first = await s.start();
      expect(first.created).toBe(OBJECTS);
      // A second pass (the 2 s rescan) writes nothing.
      const again = await s.sync();
      expect(again.created + again.updated).toBe(0);
      expect(s.status().objects).toBe(OBJECTS);
      await s.stop();
      return { holder: s };
    });
    for (const store of stores) await store.close();
    // The source keeps its file cache (identity, place and digest per object) and a Map entry per
    // applied key: ~240 bytes per object on Node 20, ~215 of them the cache's. It kept beside the
    // cache's entry a copy (key, kind, namespace, name, file, digest) and each key was a rope of
    // two ConsStrings and two more strings: ~345 bytes, ~290 the cache's (issue 18: ~4 MB at
    // 21,000 objects).
    expect(source).toBeLessThan(290);
    expect(source - cacheAlone).toBeLessThan(40);
  });
});
