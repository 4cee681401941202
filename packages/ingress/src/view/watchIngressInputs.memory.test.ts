import { fullCollector } from '@svcnet/model';
import { MemoryStore, SharedInformerFactory } from '@svcnet/store';
import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { ingress, path, rule, service, slice } from '../../test/fixtures.js';
import { IngressView } from './ingressView.js';
import { INGRESS_INPUT_KINDS, watchIngressInputs } from './watchIngressInputs.js';

const SERVICES = 4000;
/**
 * One Service in forty is an Ingress backend (the agent-memory bench has one in ten): what is
 * measured is mostly what the view holds for the Services no Ingress names.
 */
const BACKENDS = SERVICES / 40;

async function cluster(): Promise<MemoryStore> {
  const store = new MemoryStore();
  const objects: Parameters<MemoryStore['apply']>[0][] = [];
  for (let i = 0; i < SERVICES; i++) {
    objects.push(service(`svc-${i}`, [{ port: 8080, name: 'http' }]));
    objects.push(slice(`svc-${i}`, 'http', 9376, Array.from({ length: 10 }, (_, e): [string, boolean] => [`10.${100 + e}.${i >> 8}.${i & 255}`, true]), `svc-${i}-abcde`));
  }
  for (let i = 0; i < BACKENDS; i++) objects.push(ingress(`ing-${i}`, { rules: [rule(`h${i}.example.com`, path('/', 'Prefix', `svc-${i * 10}`))] }));
  for (const o of objects) await store.apply(o, { trusted: true });
  return store;
}

/**
 * Heap bytes per Service of the store that a router view watching it holds once every backend has
 * been resolved (its maps, the route table, resolutions, and any index it asks the informers for),
 * the least of three samples. Each sample has a factory of its own whose informers listed before
 * the measure (their caches are the process's anyway); all stay reachable until the end, so nothing
 * an earlier sample drops is counted against a later one.
 */
async function bytesPerService(store: MemoryStore): Promise<number> {
  const gc = fullCollector();
  const samples: number[] = [];
  const held: { factory: SharedInformerFactory; view: IngressView; stop(): void }[] = [];
  for (let i = 0; i < 3; i++) {
    const factory = new SharedInformerFactory(store);
    for (const kind of INGRESS_INPUT_KINDS) factory.informer(kind);
    await factory.waitForCacheSync();
    gc();
    const before = getHeapStatistics().used_heap_size;
    const view = new IngressView();
    const watch = watchIngressInputs(store, view, { informers: factory });
    await watch.synced;
    let ok = 0;
    for (let b = 0; b < BACKENDS; b++) if (view.resolve({ namespace: 'default', service: `svc-${b * 10}`, port: 8080 }).kind === 'ok') ok++;
    expect(ok).toBe(BACKENDS);
    expect(view.table.exactHosts.size).toBe(BACKENDS);
    held.push({ factory, view, stop: watch.stop });
    gc();
    samples.push((getHeapStatistics().used_heap_size - before) / SERVICES);
  }
  for (const h of held) {
    expect(h.view.resolve({ namespace: 'default', service: 'svc-0', port: 8080 }).kind).toBe('ok');
    h.stop();
    h.factory.stop();
  }
  return Math.min(...samples);
}

describe('the agent\'s IngressView memory (issue 18)', () => {
  it('keeps nothing per Service that no Ingress names: the backends\' objects are read from the informers', async () => {
    const store = await cluster();
    const perService = await bytesPerService(store);
    console.info(`[figures] IngressView watching ${SERVICES} Services (${BACKENDS} backends): ${perService.toFixed(0)} heap bytes per Service`);
    // The view kept every Service and slice (a map entry each, a map of slices per Service, a slice
    // -> Service map): ~500 bytes per Service on Node 20 and 24. Read from the informers: the route table
    // and resolutions of the backends and the factory's service index, whose bucket of one slice is
    // the slice itself: ~150-170 (issue 18).
    expect(perService).toBeLessThan(MAX_BYTES_PER_SERVICE);
    await store.close();
  }, 60_000);
});

const MAX_BYTES_PER_SERVICE = 250;
