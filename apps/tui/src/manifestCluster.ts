import { EndpointsController, LoadBalancerController } from '@svcnet/endpoints';
import type { ManifestParseResult } from '@svcnet/model';
import { ManifestSource, WorkloadSimulator, seededRandom, type FlapOptions, type ManifestProblem, type ManifestSyncResult } from '@svcnet/sources';
import { ManualClock, MemoryStore, SharedInformerFactory } from '@svcnet/store';

export interface ManifestClusterOptions {
  /** Re-apply the manifests when files change (the dashboard); renders read them once. */
  watch: boolean;
  /** Read the folders inside the folders named (kubectl's -R). */
  recursive?: boolean;
  /** Manifests already read (and their problems reported) by the caller: applied instead of reading `paths`. */
  parsed?: ManifestParseResult;
  /** Time from a simulated pod's creation to Ready (0: ready at once). */
  readyDelayMs?: number;
  flap?: FlapOptions;
  /**
   * Address pools for LoadBalancer Services (svcnet-agent's --loadbalancer-pool): assigned to
   * status.loadBalancer.ingress as the agent's controller does, announced nowhere. Default none
   * (they stay <pending>, as renders print them: a LoadBalancer's address is a controller's
   * choice, not the manifests').
   */
  loadBalancerPools?: readonly string[];
  /** ClusterIP range per family (kube-apiserver's --service-cluster-ip-range); default 10.96.0.0/12. */
  serviceCIDRs?: readonly string[];
  /**
   * Reproducible: every random choice (ClusterIPs, NodePorts, Pod names and IPs, slice names, uids)
   * from fixed seeds, and the endpoints reconciler started only once the Pods are in place, so that
   * the same manifests give the same objects on every run (what `svcnet render` prints).
   */
  reproducible?: boolean;
  log?: (line: string) => void;
  /** Each new manifest problem (default: logged); the first pass's are also in `sync.problems`. */
  onProblem?: (problem: ManifestProblem) => void;
}

/**
 * A cluster as some manifests describe it, in memory: the manifest source applies the objects,
 * Deployments and StatefulSets become simulated Pods, and the endpoints controller writes Endpoints
 * and EndpointSlices. What `svcnet --demo`, `-f`, `svcnet render` and `dns serve` run on.
 */
export interface ManifestCluster {
  store: MemoryStore;
  /** The one informer per kind of this process: its controllers read it, and so may the dashboard and DNS. */
  informers: SharedInformerFactory;
  /** The simulator that owns the Pods (their addresses exist on no machine). */
  simulator: WorkloadSimulator;
  /** The first pass over the files: what was applied, skipped, and every problem found. */
  sync: ManifestSyncResult;
  /** The manifest problems of the latest pass (a fixed file's disappear). */
  problems(): readonly ManifestProblem[];
  /** Resolves once pods are created and the controller has caught up, and slices stop changing (at most `maxMs`). */
  settle(maxMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** The seed of reproducible runs; any fixed number would do. */
const SEED = 0x5eed;

/** uids `00000000-0000-4000-8000-000000000001`, `...0002`, ...: valid UUIDs, the same on every run. */
function sequentialUids(): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`;
}

/**
 * Fires the simulator's due timers and waits for its writes, until nothing is left to do now: every
 * Pod created and Ready (a StatefulSet's next Pod waits for the previous one, hence the rounds).
 */
async function runSimulation(simulator: WorkloadSimulator, clock: ManualClock): Promise<void> {
  for (let round = 0; round < 10_000; round++) {
    clock.advance(0);
    await simulator.settle();
    if (clock.pending === 0) return;
  }
}

export async function startManifestCluster(paths: readonly string[], options: ManifestClusterOptions): Promise<ManifestCluster> {
  const log = options.log ?? (() => {});
  const reproducible = options.reproducible ?? false;
  const store = new MemoryStore({
    // A reader of manifests: addresses they carry were allocated by some cluster, whatever our ranges.
    keepRequestedAddresses: true,
    ...(options.serviceCIDRs?.length ? { serviceCIDRs: [...options.serviceCIDRs] } : {}),
    ...(reproducible ? { random: seededRandom(SEED), newUid: sequentialUids() } : {}),
  });
  // Reproducible runs move the simulator's time themselves: Pods turn Ready when told, not when a timer fires.
  const clock = reproducible ? new ManualClock(0) : undefined;
  const simulator = new WorkloadSimulator(store, {
    readyDelayMs: reproducible ? 0 : (options.readyDelayMs ?? 0),
    ...(reproducible ? { random: seededRandom(SEED + 1), clock } : { flap: options.flap }),
    onError: (e) => log(`simulator: ${e.message}`),
  });
  const informers = new SharedInformerFactory(store);
  const controller = new EndpointsController(store, {
    informers,
    leaseTtlMs: 15_000,
    ...(reproducible ? { random: seededRandom(SEED + 2), workers: 1 } : {}),
    onError: (e, key) => log(`endpoints ${key ?? ''}: ${e.message}`),
  });
  const loadBalancers = options.loadBalancerPools?.length
    ? new LoadBalancerController(store, { informers, pools: options.loadBalancerPools, log: { info: () => {}, warn: (_o, m) => log(`loadbalancer: ${m}`) } })
    : undefined;
  const source = new ManifestSource(store, {
    paths,
    recursive: options.recursive ?? false,
    ...(options.parsed ? { parsed: options.parsed } : {}),
    simulator,
    watch: options.watch,
    onProblem: options.onProblem ?? ((p) => log(`manifests: ${p.message}`)),
  });
  await simulator.start();
  if (!reproducible) await controller.start();
  const sync = await source.start();
  if (clock) {
    // Pods first, all of them Ready, then one reconcile of each Service over all of them, in the
    // store's order: the controller's choices then do not depend on how two writers' events interleave.
    await runSimulation(simulator, clock);
    await controller.start();
  }
  await loadBalancers?.start();
  // The kinds' revisions (shared: nothing is copied just to read a number).
  const revision = async () =>
    (await store.list('EndpointSlice', { shared: true })).revision +
    (await store.list('Endpoints', { shared: true })).revision +
    (await store.list('Pod', { shared: true })).revision +
    (await store.list('Service', { shared: true })).revision;
  return {
    store,
    informers,
    simulator,
    sync,
    problems: () => source.status().problems,
    async settle(maxMs = 5000) {
      const deadline = Date.now() + maxMs;
      // Until neither writer has anything left to do and a whole round changed nothing.
      for (let last = -1; Date.now() < deadline; ) {
        if (clock) await runSimulation(simulator, clock);
        await simulator.settle();
        await controller.whenIdle();
        await loadBalancers?.idle();
        await new Promise((r) => setImmediate(r));
        const now = await revision();
        if (now === last) break;
        last = now;
      }
    },
    async stop() {
      await source.stop();
      loadBalancers?.stop();
      await controller.stop();
      await simulator.stop();
      informers.stop();
      await store.close();
    },
  };
}
