import {
  chooseProxyMode,
  createIPTablesProxier,
  createNFTablesProxier,
  createUserspaceProxier,
  hostExec,
  hostKernel,
  proxyOptions,
  runProxyFromStore,
  ServiceHealthServers,
  serviceHealthFromState,
  serviceHealthHosts,
  supportsRandomFully,
  validateProxyOptions,
  type Exec,
  type IPFamily,
  type InvalidObject,
  type KernelProbe,
  type ProxierLogger,
  type ProxierStatus,
  type ProxyMetrics,
  type ProxyOptions,
  type ProxyInputs,
  type ProxyState,
} from '@svcnet/proxy';
import type { Store } from '@svcnet/store';
import { ipFamily, parseCIDR } from '@svcnet/model';
import type { ProxyModeSetting } from '../config.js';
import { ConfigError } from '../errors.js';
import { GenerationTracker, type TrackedProxier } from './generationTracker.js';
import { cleanupProxyRules, leftoversOfOtherModes } from './proxyLeftovers.js';

export interface ProxyEngineOptions {
  requested: ProxyModeSetting;
  proxy: Partial<ProxyOptions> & { nodeName: string };
  metrics: ProxyMetrics;
  logger: ProxierLogger;
  probe?: KernelProbe;
}

export interface ProxyModeStatus {
  requested: ProxyModeSetting;
  /** The mode running ('none' when off). */
  mode: ProxyModeSetting;
  /** Why `mode` differs from `requested`. */
  reason?: string;
}

interface RunningProxier extends TrackedProxier {
  readonly family: IPFamily;
  readonly state: ProxyState;
  getStatus(): ProxierStatus;
  invalidObjects(): InvalidObject[];
  isHealthy(now?: number): boolean;
  idle(): Promise<void>;
}

/**
 * Picks the mode (ipvs falls back to iptables, with the reason), builds one proxier per IP family
 * of the node, feeds them from the store and tracks rule generations. Rules are left in place on
 * stop; `cleanup()` removes them.
 */
export class ProxyEngine {
  readonly mode: ProxyModeStatus;
  readonly tracker: GenerationTracker;
  private readonly proxiers: RunningProxier[] = [];
  private readonly cleanups: (() => Promise<void>)[] = [];
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  /** kube-proxy's ServiceHealthServer: one listener per healthCheckNodePort (eTP Local LoadBalancers). */
  private readonly health: ServiceHealthServers;
  private healthSync: Promise<void> = Promise.resolve();
  private healthProblems = new Set<string>();

  constructor(private readonly o: ProxyEngineOptions) {
    this.mode = decideMode(o.requested, o.probe ?? hostKernel);
    const options = proxyOptions(o.proxy);
    try {
      validateProxyOptions(options);
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
    const families = familiesOf(options);
    if (this.mode.mode !== 'none') {
      for (const family of families) this.addProxier(family, options);
    }
    this.tracker = new GenerationTracker(this.proxiers);
    this.health = new ServiceHealthServers(serviceHealthHosts(options, families), () => this.healthy());
  }

  private addProxier(family: IPFamily, options: ProxyOptions): void {
    const index = this.proxiers.length;
    const opts = {
      metrics: this.o.metrics,
      logger: this.o.logger,
      onSynced: (state: ProxyState) => {
        this.tracker.synced(index, state.hasPendingChanges());
        this.syncHealthServers();
      },
      onSyncStart: () => this.tracker.syncStarted(index),
    };
    if (this.mode.mode === 'nftables') {
      const { proxier, applier } = createNFTablesProxier(family, options, opts);
      this.proxiers.push(proxier);
      this.cleanups.push(() => applier.cleanup());
    } else if (this.mode.mode === 'userspace') {
      const { proxier, portals } = createUserspaceProxier(family, options, opts);
      this.proxiers.push(proxier);
      this.cleanups.push(() => portals.close());
    } else {
      // As upstream NewProxier: MASQUERADE --random-fully when the iptables binary supports it.
      const hasRandomFully = supportsRandomFully((this.o.probe ?? hostKernel).iptablesVersion?.(family));
      const { proxier, applier } = createIPTablesProxier(family, options, { ...opts, hasRandomFully });
      this.proxiers.push(proxier);
      this.cleanups.push(() => applier.cleanup());
    }
  }

  /**
   * Starts watching Services and EndpointSlices (`inputs.endpointSlices`: the agent's filtered
   * ones, without simulated Pods); the first sync runs once both are listed.
   */
  start(store: Store, onError: (e: Error) => void, inputs: ProxyInputs = {}): void {
    if (!this.proxiers.length || this.abort) return;
    this.abort = new AbortController();
    this.running = runProxyFromStore(store, [this.tracker.sink()], this.abort.signal, onError, inputs).catch(onError);
  }

  /**
   * After each sync, as upstream's syncProxyRules ends: the health check node port servers follow
   * the Services that have one (upstream serviceHealthServer.SyncServices) and their local ready
   * endpoints (SyncEndpoints). A port that cannot be opened is logged once and tried again.
   */
  private syncHealthServers(): void {
    const wanted = serviceHealthFromState(...this.proxiers.map((p) => p.state));
    this.healthSync = this.healthSync.then(async () => {
      const problems = await this.health.sync(wanted);
      for (const p of problems) if (!this.healthProblems.has(p)) this.o.logger.warn({ mode: this.mode.mode }, `proxy: healthCheckNodePort ${p}`);
      this.healthProblems = new Set(problems);
    });
  }

  /** The healthCheckNodePorts served now. */
  healthCheckNodePorts(): number[] {
    return this.health.ports();
  }

  /** Stops syncing; the kernel keeps the last rules (as kube-proxy on exit); health check ports close. */
  async stop(): Promise<void> {
    this.abort?.abort();
    await this.running;
    await Promise.all(this.proxiers.map((p) => p.idle()));
    await this.healthSync;
    await this.health.close();
  }

  /**
   * kube-proxy's platformCleanup at start-up: removes what the other modes left behind (a switch
   * from nftables to iptables would leave `table ip kube-proxy`, whose hooks still see Service
   * traffic; the reverse, KUBE-* chains jumped to from the built-in ones), for both families, as
   * upstream. Only what those modes create (see cleanupProxyRules). Returns what could not be
   * removed.
   */
  async cleanupOtherModes(run: Exec = hostExec): Promise<string[]> {
    const kinds = leftoversOfOtherModes(this.mode.mode);
    return kinds.length ? cleanupProxyRules(['IPv4', 'IPv6'], run, kinds) : [];
  }

  /** Removes what this engine programmed (tables, chains, listeners). */
  async cleanup(): Promise<void> {
    for (const c of this.cleanups) await c();
  }

  get started(): boolean {
    return this.proxiers.length === 0 || this.proxiers.every((p) => p.getStatus().syncs > 0);
  }

  healthy(now = Date.now()): boolean {
    return this.proxiers.every((p) => p.isHealthy(now));
  }

  statuses(): ProxierStatus[] {
    return this.proxiers.map((p) => p.getStatus());
  }

  /**
   * The Services and EndpointSlices the proxy skips, once per object (each family's proxier checks
   * every object the same way), with the families that skip it.
   */
  invalidObjects(): (InvalidObject & { families: IPFamily[] })[] {
    const byKey = new Map<string, InvalidObject & { families: IPFamily[] }>();
    for (const p of this.proxiers) {
      for (const o of p.invalidObjects()) {
        const id = `${o.kind}\0${o.key}`;
        const seen = byKey.get(id);
        if (seen) seen.families.push(p.family);
        else byKey.set(id, { ...o, families: [p.family] });
      }
    }
    return [...byKey.values()];
  }

  get healthSources(): readonly RunningProxier[] {
    return this.proxiers;
  }
}

function familiesOf(o: ProxyOptions): IPFamily[] {
  const families = [...o.nodeIPs.map(ipFamily), ...o.clusterCIDRs.map((c) => parseCIDR(c)?.family)];
  const v6 = families.includes('IPv6');
  const v4 = o.nodeIPs.length === 0 || families.some((f) => f !== 'IPv6');
  return [...(v4 ? (['IPv4'] as const) : []), ...(v6 ? (['IPv6'] as const) : [])];
}

/**
 * The mode to run. ipvs falls back to iptables when the kernel lacks IPVS (as kube-proxy); where the
 * kernel has it, svcnet still runs iptables because @svcnet/proxy has no IPVS applier yet, and says so.
 */
export function decideMode(requested: ProxyModeSetting, probe: KernelProbe): ProxyModeStatus {
  if (requested === 'none') return { requested, mode: 'none' };
  const d = chooseProxyMode(requested, probe);
  if (d.fallbackReason) return { requested, mode: d.mode, reason: d.fallbackReason };
  if (d.mode === 'ipvs') return { requested, mode: 'iptables', reason: 'proxy: the ipvs mode renders rules but has no kernel applier in svcnet yet; falling back to iptables' };
  return { requested, mode: d.mode };
}
