import { EndpointsController } from '@svcnet/endpoints';
import { ManifestSource, WorkloadSimulator, type FlapOptions, type ManifestSyncResult } from '@svcnet/sources';
import { MemoryStore } from '@svcnet/store';

export interface ManifestClusterOptions {
  /** Re-apply the manifests when files change. */
  watch: boolean;
  /** Time from a simulated pod's creation to Ready (0: ready at once). */
  readyDelayMs?: number;
  flap?: FlapOptions;
  log?: (line: string) => void;
}

/**
 * A cluster as some manifests describe it, in memory: the manifest source applies the objects,
 * Deployments and StatefulSets become simulated Pods, and the endpoints controller writes Endpoints
 * and EndpointSlices. What `svcnet --demo`, `-f`, `render dns` and `dns serve` run on.
 */
export interface ManifestCluster {
  store: MemoryStore;
  /** The first pass over the files: what was applied and every problem found. */
  sync: ManifestSyncResult;
  /** Resolves once pods are created and the controller has caught up, and slices stop changing (at most `maxMs`). */
  settle(maxMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startManifestCluster(paths: readonly string[], options: ManifestClusterOptions): Promise<ManifestCluster> {
  const log = options.log ?? (() => {});
  const store = new MemoryStore();
  const simulator = new WorkloadSimulator(store, { readyDelayMs: options.readyDelayMs ?? 0, flap: options.flap, onError: (e) => log(`simulator: ${e.message}`) });
  const controller = new EndpointsController(store, { leaseTtlMs: 15_000, onError: (e, key) => log(`endpoints ${key ?? ''}: ${e.message}`) });
  const source = new ManifestSource(store, { paths, simulator, watch: options.watch, onProblem: (p) => log(`manifests: ${p.message}`) });
  await simulator.start();
  await controller.start();
  const sync = await source.start();
  return {
    store,
    sync,
    async settle(maxMs = 5000) {
      const deadline = Date.now() + maxMs;
      await simulator.settle();
      await controller.whenIdle();
      // Then until the Pods and EndpointSlices stop changing for three polls in a row.
      let last = -1;
      let stable = 0;
      while (Date.now() < deadline && stable < 3) {
        const rev = (await store.list('EndpointSlice')).revision + (await store.list('Pod')).revision * 1e6;
        stable = rev === last ? stable + 1 : 0;
        last = rev;
        await new Promise((r) => setTimeout(r, 100).unref());
      }
    },
    async stop() {
      await source.stop();
      await controller.stop();
      await simulator.stop();
      await store.close();
    },
  };
}
