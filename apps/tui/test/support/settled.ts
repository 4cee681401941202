import type { MemoryStore } from '@svcnet/store';
import type { ClusterModel, Snapshot } from '../../src/dashboard/clusterModel.js';

/** Waits until the model has seen the store's writes (informer events are delivered asynchronously). */
export async function settled(model: ClusterModel, store: MemoryStore): Promise<Snapshot> {
  const want = (await store.list('EndpointSlice')).items.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}@${s.metadata?.resourceVersion}`).sort();
  for (let i = 0; i < 200; i++) {
    const have = model.list('EndpointSlice').map((s) => `${s.metadata?.namespace}/${s.metadata?.name}@${s.metadata?.resourceVersion}`).sort();
    if (JSON.stringify(have) === JSON.stringify(want)) return model.snapshot();
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('the model did not see the writes');
}
