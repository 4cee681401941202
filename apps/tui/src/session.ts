import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubernetesSource } from '@svcnet/sources';
import { MemoryStore, connectStore, isStoreError, type NodeStatusStore, type SharedInformerFactory, type Store } from '@svcnet/store';
import { CliError, UsageError } from './cliErrors.js';
import type { SourceProblem } from './dashboard/clusterModel.js';
import type { DetailRenderers } from './dashboard/detailText.js';
import { startManifestCluster } from './manifestCluster.js';
import { detailRenderers } from './renderers.js';

export interface SessionOptions {
  demo?: boolean;
  filename?: string[];
  recursive?: boolean;
  redis?: string;
  kubeconfig?: string;
  context?: string;
  /**
   * For one settled picture (`--once`, no terminal): simulated Pods are Ready as soon as they exist
   * and none flap, so the table printed is the state the manifests settle in (as `render` shows it),
   * not the first second of a live demo.
   */
  settledPicture?: boolean;
}

/** A store with whatever feeds it, for the dashboard: close() stops the feeders and the store. */
export interface Session {
  store: Store;
  /** The process's shared informers when the session runs its own cluster (-f, --demo); else each reader builds its own. */
  informers?: SharedInformerFactory;
  description: string;
  renderers: DetailRenderers;
  /** Resolves once the feeders have made their first pass (manifests applied, pods created). */
  settled(): Promise<void>;
  /** The source's current problems (manifest documents it could not apply), for the header and :events. */
  problems(): readonly SourceProblem[];
  /** Stops the feeders and the store; with `now`, without waiting for a store that does not answer. */
  close(options?: { now?: boolean }): Promise<void>;
}

const noProblems = (): readonly SourceProblem[] => [];

/**
 * Where the demo's (and -f's) LoadBalancer Services get an EXTERNAL-IP: TEST-NET-3 (RFC 5737,
 * documentation only, never routed), apart from the addresses examples/ names (198.51.100.32) and
 * this kind of machine's own network; nothing is announced, the address only shows.
 */
export const DEMO_LOADBALANCER_POOL = '203.0.113.10-203.0.113.250';

/**
 * The bundled examples: SVCNET_EXAMPLES, the copy inside the installed package (its prepack bundles
 * examples/*.yaml), or examples/ of the checkout this module is built in. Three levels up from an
 * installed package is the user's project, whose folder of that name is not our demo: the checkout
 * is recognised by its nx.json.
 */
export function examplesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const checkout = resolve(here, '../../..');
  const packaged = resolve(here, '../examples');
  const inCheckout = existsSync(resolve(checkout, 'nx.json')) ? resolve(checkout, 'examples') : undefined;
  // Installed (under node_modules): the package's copy. In a checkout: examples/ itself, never the
  // copy a `npm pack` running beside us may be making and removing.
  const installed = here.split(/[\\/]/).includes('node_modules');
  const candidates = [process.env['SVCNET_EXAMPLES'], ...(installed ? [packaged, inCheckout] : [inCheckout, packaged]), resolve(process.cwd(), 'examples')].filter(
    (p): p is string => !!p,
  );
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new CliError(`--demo needs the bundled examples folder; set SVCNET_EXAMPLES to it or use -f DIR (looked in ${candidates.join(', ')})`);
  return found;
}

export async function openSession(opts: SessionOptions, log: (line: string) => void): Promise<Session> {
  const modes = [opts.redis && '--redis', opts.kubeconfig && '--kubeconfig', opts.filename?.length && '-f', opts.demo && '--demo'].filter(Boolean);
  if (modes.length > 1) throw new UsageError(`choose one source: ${modes.join(' or ')}`);
  if (opts.redis) {
    let store: Store & NodeStatusStore;
    try {
      store = await connectStore(opts.redis, { timeoutMs: 5000, logger: { error: (_o, msg) => log(msg), warn: (_o, msg) => log(msg) } });
    } catch (e) {
      throw isStoreError(e) ? new CliError((e as Error).message) : new UsageError(`--redis: ${(e as Error).message}`);
    }
    const redis = store as Store & { disconnect?: () => void };
    return {
      store,
      description: store.description,
      renderers: detailRenderers(),
      settled: async () => {},
      problems: noProblems,
      // Quitting must not wait for a Redis that is down: drop the connection instead of QUIT.
      close: async (o) => (o?.now && redis.disconnect ? redis.disconnect() : store.close()),
    };
  }
  if (opts.kubeconfig) {
    const store = new MemoryStore();
    const source = new KubernetesSource(store, { kubeconfig: opts.kubeconfig, context: opts.context, onError: (e, kind) => log(`kubernetes ${kind}: ${e.message}`) });
    try {
      await source.start();
      // An API server that never answers is one line and exit 1, within 5 s, not an empty dashboard.
      for (const deadline = Date.now() + 5000; !source.status().synced && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
      const status = source.status();
      if (!status.synced) throw new CliError(`cannot reach the Kubernetes API server at ${status.server}: ${status.lastError ?? 'no answer within 5 s'}`);
    } catch (e) {
      await source.stop();
      await store.close();
      throw e instanceof CliError ? e : new CliError(`--kubeconfig ${opts.kubeconfig}: ${(e as Error).message}`);
    }
    return {
      store,
      description: `kubernetes ${source.status().server} (read-only)`,
      renderers: detailRenderers(),
      settled: async () => {},
      problems: noProblems,
      close: async () => {
        await source.stop();
        await store.close();
      },
    };
  }
  // --demo (the default) and -f: manifests + simulated workloads + the reconciler, all in memory.
  const paths = opts.filename?.length ? opts.filename : [examplesDir()];
  const cluster = await startManifestCluster(paths, {
    watch: true,
    recursive: opts.recursive ?? false,
    readyDelayMs: opts.settledPicture ? 0 : 1500,
    loadBalancerPools: [DEMO_LOADBALANCER_POOL],
    ...(opts.settledPicture ? {} : { flap: { intervalMs: 4000, probability: 0.1, maxPerInterval: 1, downMs: 3000 } }),
    log,
    // Problems are read from the source (problems() below), not logged as they come.
    onProblem: () => undefined,
  });
  return {
    store: cluster.store,
    informers: cluster.informers,
    description: opts.filename?.length ? `manifests ${paths.join(',')} (simulated pods, memory)` : 'demo (examples/, simulated pods, memory)',
    renderers: detailRenderers(),
    settled: () => cluster.settle(),
    problems: () => cluster.problems().map((p) => ({ where: p.line ? `${p.file}:${p.line}` : p.file, message: p.message })),
    close: () => cluster.stop(),
  };
}
