import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '@svcnet/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManifestSource } from '../src/index.js';

const OBJECTS = 20_000;

let dir: string;
const services = (port: number) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: Array.from({ length: OBJECTS }, (_, i) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, namespace: 'default' }, spec: { ports: [{ port: i === 0 ? port : 80 }] } })),
  });
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), `svcnet-manifest-rescan-${process.pid}-`));
  writeFileSync(join(dir, 'many.json'), services(80));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Bytes allocated while `fn` runs, garbage included: V8's sampling heap profiler with the objects
 * later collected kept in its profile (what was allocated, not what is still held).
 */
async function allocatedDuring(fn: () => Promise<unknown>): Promise<number> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    await fn();
    const { profile } = await session.post('HeapProfiler.stopSampling');
    let bytes = 0;
    const nodes = [profile.head];
    for (let node = nodes.pop(); node; node = nodes.pop()) {
      bytes += node.selfSize;
      nodes.push(...node.children);
    }
    return bytes;
  } finally {
    session.disconnect();
  }
}

describe('ManifestSource rescans (issue 18)', () => {
  it('plans nothing again for files that did not change, and still sees the next edit', async () => {
    const store = new MemoryStore();
    const source = new ManifestSource(store, { paths: dir, watch: false });
    try {
      expect((await source.start()).created).toBe(OBJECTS);
      // The pass after a write plans in full and finds nothing to do.
      const quiet = await source.sync();
      expect(quiet.created + quiet.updated + quiet.deleted).toBe(0);
      // Ten rescans (the agent makes one every 2 s) of the unchanged file: each planned 20,000
      // objects again before (~145 bytes allocated per object and rescan: a desired Map, the
      // entries, the plan's arrays, promoted to old space across the pass's awaits); now a
      // rescan stats the file and stops there (~2.5 bytes per object, the test's own included).
      const rescans = 10;
      const bytes = await allocatedDuring(async () => {
        for (let i = 0; i < rescans; i++) {
          const r = await source.sync();
          expect(r.created + r.updated + r.deleted).toBe(0);
          expect(r.files).toEqual(quiet.files);
        }
      });
      expect(bytes / rescans / OBJECTS).toBeLessThan(10);
      expect(source.status().syncs).toBe(2 + rescans);

      // An edit is still applied, and the rescans after it are quiet again.
      writeFileSync(join(dir, 'many.json'), services(8080));
      const edited = await source.sync();
      expect(edited.updated).toBe(1);
      expect((await store.get('Service', 'default', 's0'))?.spec?.ports?.[0]?.port).toBe(8080);
      expect((await source.sync()).updated).toBe(0);
      expect((await source.sync()).updated).toBe(0);
    } finally {
      await source.stop();
      await store.close();
    }
  });

  it('keeps reporting an invalid object on each rescan, and applies it once fixed', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: bad, namespace: default}\nspec: {ports: [{port: 70000}]}\n');
    const store = new MemoryStore();
    const source = new ManifestSource(store, { paths: dir, watch: false });
    try {
      await source.start();
      for (let i = 0; i < 3; i++) {
        const r = await source.sync();
        expect(r.problems.map((p) => p.code)).toEqual(['Invalid']);
        expect(r.problems[0]?.message).toContain('spec.ports[0].port');
      }
      writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: bad, namespace: default}\nspec: {ports: [{port: 7000}]}\n');
      const fixed = await source.sync();
      expect(fixed.created).toBe(1);
      expect(fixed.problems).toEqual([]);
      expect(await store.get('Service', 'default', 'bad')).toBeDefined();
    } finally {
      await source.stop();
      await store.close();
    }
  });
});
