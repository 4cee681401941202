import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memoryStore.js';
import { listAndWatch } from './informer.js';

describe('MemoryStore smoke', () => {
  it('creates a Service with a ClusterIP and an informer sees it', async () => {
    const store = new MemoryStore();
    const inf = listAndWatch(store, 'Service', { bookmarkIntervalMs: 50 });
    const seen: string[] = [];
    inf.on((e) => seen.push(`${e.type} ${e.object.metadata?.name}`));
    await inf.synced;
    const svc = await store.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } });
    expect(svc.spec?.clusterIP).toMatch(/^10\./);
    expect(svc.metadata?.resourceVersion).toBe('1');
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual(['ADDED web']);
    expect(inf.get('default/web')?.spec?.clusterIP).toBe(svc.spec?.clusterIP);
    inf.stop();
    await store.close();
  });
});
