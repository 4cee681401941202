import { hostname, networkInterfaces } from 'node:os';
import { EndpointsController, LoadBalancerController } from '@svcnet/endpoints';
import { hostExec, proxyMetrics } from '@svcnet/proxy';
import { KubernetesSource } from '@svcnet/sources';
import { LeaderElector, SharedInformerFactory, openStore, type NodeStatusStore, type Store } from '@svcnet/store';
import type { Logger } from 'pino';
import type { AgentConfig } from './config.js';
import { AddressAnnouncer, interfaceOf } from './controllers/addressAnnouncer.js';
import { ManifestWriter } from './controllers/manifestWriter.js';
import { markSilentNodes } from './controllers/nodeLifecycle.js';
import { registerNode, reportNodeStopped } from './controllers/nodeRegistration.js';
import { startDns, startIngress, type Listener } from './dataPlane.js';
import { startDataPlaneEndpoints, type DataPlaneEndpoints } from './dataPlaneEndpoints.js';
import { agentRegistry } from './metrics.js';
import { manifestSyncLog } from './manifestSyncLog.js';
import { isOneMachine } from './oneMachine.js';
import { ProxyEngine } from './proxy/proxyEngine.js';
import { buildStatus, heartbeatOf, type AgentStatus } from './status.js';

type Source = { start(): Promise<unknown>; stop(): Promise<void> | void; status(): unknown };

/** Lease names, as the controllers' upstream counterparts name theirs. */
export const CONTROLLERS_LEASE = 'svcnet-service-controller';

/** This node's addresses: --node-ip, else the first non-internal IPv4 address. */
export function nodeAddresses(configured: readonly string[]): { nodeIPs: string[]; all: string[] } {
  const all = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
  if (configured.length) return { nodeIPs: [...configured], all };
  const first = Object.values(networkInterfaces()).flatMap((l) => l ?? []).find((a) => !a.internal && a.family === 'IPv4');
  return { nodeIPs: first ? [first.address] : [], all };
}

/**
 * One agent per host: a source (or none), the store, the endpoints reconciler and the LoadBalancer
 * controller under leases, the proxy for this node, DNS and ingress, each optional, plus the
 * heartbeat and status object the dashboard reads.
 */
export class Agent {
  readonly node: string;
  readonly store: Store & NodeStatusStore;
  /** The one informer per kind every part of the agent reads (DNS, ingress, proxy, controllers). */
  readonly informers: SharedInformerFactory;
  readonly proxy: ProxyEngine;
  readonly registry;
  readonly startedAt = Date.now();
  readonly reconcileEndpoints: boolean;
  private source: Source | undefined;
  private manifests: ManifestWriter | undefined;
  private endpoints: EndpointsController | undefined;
  private elector: LeaderElector | undefined;
  private lb: LoadBalancerController | undefined;
  private announcer: AddressAnnouncer | undefined;
  private dns: Listener | undefined;
  private ingress: Listener | undefined;
  private dataPlane: DataPlaneEndpoints | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatFailures = 0;
  private lastHeartbeatError: string | undefined;
  private stopping = false;
  private registered = false;
  private readyAt: number | undefined;
  private readonly nodeIPs: string[];
  private readonly synced = new Set<string>();

  constructor(
    readonly config: AgentConfig,
    readonly version: string,
    private readonly log: Logger,
  ) {
    this.node = config.hostnameOverride || hostname();
    const addrs = nodeAddresses(config.nodeIp);
    this.nodeIPs = addrs.nodeIPs;
    this.reconcileEndpoints = config.reconcileEndpoints ?? !config.kubeconfig;
    this.store = openStore(config.redis, {
      serviceCIDRs: config.serviceClusterIpRange,
      nodePortRange: config.serviceNodePortRange,
      minReplicas: config.redisMinReplicas,
      replicaTimeoutMs: config.redisReplicaTimeout,
      logger: { error: (o, m) => log.error(o, m), warn: (o, m) => log.warn(o, m) },
    });
    this.informers = new SharedInformerFactory(this.store);
    this.registry = agentRegistry({
      info: () => ({ version, node: this.node, proxy_mode: this.proxy.mode.mode, requested_proxy_mode: this.proxy.mode.requested }),
      leader: () => this.leader(),
      generation: () => ({ desired: this.proxy.tracker.desired, applied: this.proxy.tracker.applied.generation }),
      heartbeatFailures: () => this.heartbeatFailures,
      loadBalancerAddresses: () => this.lb?.allocated ?? 0,
      endpoints: () => this.endpoints?.stats(),
    });
    this.proxy = new ProxyEngine({
      requested: config.proxyMode,
      proxy: {
        nodeName: this.node,
        nodeIPs: this.nodeIPs,
        nodeAddresses: addrs.all,
        clusterCIDRs: config.clusterCidr,
        masqueradeAll: config.masqueradeAll,
        nodePortAddresses: config.nodeportAddresses,
        localhostNodePorts: config.localhostNodeports,
        minSyncPeriodMs: config.iptablesMinSyncPeriod,
        syncPeriodMs: config.iptablesSyncPeriod,
        serviceCIDRs: config.serviceClusterIpRange,
        allowLoopbackAddresses: isOneMachine(config),
      },
      metrics: proxyMetrics(this.registry),
      logger: { info: (o, m) => log.debug(o, m), warn: (o, m) => log.warn(o, m), error: (o, m) => log.error(o, m) },
    });
    if (this.proxy.mode.reason) log.warn({ requested: this.proxy.mode.requested, mode: this.proxy.mode.mode }, this.proxy.mode.reason);
    if (config.localhostNodeports && this.proxy.mode.mode !== 'iptables' && this.proxy.mode.mode !== 'none') {
      // As kube-proxy: iptables.localhostNodePorts is an iptables-mode setting; nftables mode does
      // not serve NodePorts on 127.0.0.1 at all (KEP-3866) and never sets route_localnet.
      log.warn({ mode: this.proxy.mode.mode }, `--localhost-nodeports is ignored in ${this.proxy.mode.mode} mode: NodePorts on 127.0.0.1 exist only in iptables mode`);
    }
  }

  async start(): Promise<void> {
    const log = this.log;
    log.info({ version: this.version, store: this.store.description, nodeIPs: this.nodeIPs, proxyMode: this.proxy.mode.mode, reconcileEndpoints: this.reconcileEndpoints }, 'agent: starting');
    // As the kubelet registers its Node: the INTERNAL-IP `get nodes` shows. A real cluster's Nodes are its own.
    await this.register();
    await this.startSource();
    const ttlMs = this.config.leaderElectLeaseDuration;
    if (this.reconcileEndpoints) {
      this.endpoints = new EndpointsController(this.store, {
        informers: this.informers,
        holder: `${this.node}-${process.pid}`,
        leaseTtlMs: ttlMs,
        onError: (e, key) => log.warn({ service: key, err: e.message }, 'endpoints controller: sync error'),
      });
      await this.endpoints.start();
    }
    if (!this.config.kubeconfig || this.config.loadbalancerPool.length) {
      const dev = this.nodeIPs[0] ? interfaceOf(this.nodeIPs[0]) : undefined;
      this.announcer = new AddressAnnouncer(hostExec, dev, log);
      this.elector = new LeaderElector(this.store, CONTROLLERS_LEASE, `${this.node}-${process.pid}`, {
        ttlMs,
        onStartedLeading: (l) => {
          log.info({ lease: l.name, token: l.token }, 'controllers: became leader');
          this.lb?.kick();
        },
        onStoppedLeading: () => {
          if (this.stopping) log.info({ lease: CONTROLLERS_LEASE }, 'controllers: released the lease');
          else log.warn({ lease: CONTROLLERS_LEASE }, 'controllers: lost the lease; stopped acting');
          this.lb?.kick();
        },
        onError: (e) => log.warn({ lease: CONTROLLERS_LEASE, err: e.message }, 'controllers: lease error'),
      });
      if (this.config.loadbalancerPool.length) {
        this.lb = new LoadBalancerController(this.store, { informers: this.informers, pools: this.config.loadbalancerPool, elector: this.elector, onAddresses: (a) => this.announcer!.announce(a), log });
        await this.lb.start();
      }
      void this.elector.start();
    }
    for (const p of await this.proxy.cleanupOtherModes()) log.warn({ mode: this.proxy.mode.mode }, `proxy: could not remove another mode's leftovers: ${p}`);
    const c = this.config;
    if (this.proxy.mode.mode !== 'none' || c.ingressHttpListen || c.ingressHttpsListen) {
      this.dataPlane = await startDataPlaneEndpoints(this.store, { node: this.node, clusterCIDRs: c.clusterCidr, simulateBackends: c.simulateBackends, log, informers: this.informers });
    }
    this.proxy.start(this.store, (e) => log.warn({ err: e.message }, 'proxy: watch error'), { informers: this.informers, ...(this.dataPlane ? { endpointSlices: this.dataPlane.objects.endpointSlices } : {}) });
    if (c.dnsListen) {
      this.dns = await startDns(this.store, { listen: c.dnsListen, upstreams: c.dnsUpstream, allow: c.dnsAllow, zone: c.clusterDomain, workers: c.dnsWorkers, registry: this.registry, log, informers: this.informers });
      void this.dns.synced.then(() => this.synced.add('dns'));
    }
    if (c.ingressHttpListen || c.ingressHttpsListen) {
      this.ingress = await startIngress(this.store, {
        http: c.ingressHttpListen,
        https: c.ingressHttpsListen,
        ingressClass: c.ingressClass,
        trustedProxies: c.ingressTrustedProxy,
        defaultSslCertificate: c.defaultSslCertificate,
        workers: c.ingressWorkers,
        registry: this.registry,
        log,
        informers: this.informers,
        ...(this.dataPlane ? { endpoints: this.dataPlane.objects } : {}),
      });
      void this.ingress.synced.then(() => this.synced.add('ingress'));
    }
    await this.heartbeat();
    this.heartbeatTimer = setInterval(() => void this.tick(), c.nodeStatusUpdateFrequency);
    this.heartbeatTimer.unref();
  }

  private async startSource(): Promise<void> {
    const c = this.config;
    const log = this.log;
    if (c.kubeconfig) {
      const inCluster = c.kubeconfig === 'in-cluster';
      this.source = new KubernetesSource(this.store, {
        ...(inCluster ? { inCluster } : { kubeconfig: c.kubeconfig }),
        ...(c.context ? { context: c.context } : {}),
        reconcileEndpoints: this.reconcileEndpoints,
        onError: (e, kind) => log.warn({ kind, err: e.message }, 'kubernetes source: error; serving the last state'),
      });
    } else if (c.manifests.length) {
      // Cluster-wide writers, under a lease: any number of agents may carry the same -f.
      this.source = this.manifests = new ManifestWriter(this.store, {
        paths: c.manifests,
        recursive: c.recursive,
        node: { name: this.node, ...(this.nodeIPs[0] ? { address: this.nodeIPs[0] } : {}) },
        podCIDRs: c.clusterCidr,
        holder: `${this.node}-${process.pid}`,
        ttlMs: c.leaderElectLeaseDuration,
        log,
        onProblem: (p) => log.warn({ file: p.file, document: p.document, line: p.line, code: p.code }, p.message),
        onSync: manifestSyncLog(log),
      });
    }
    await this.source?.start();
  }

  /**
   * Controllers this agent leads that are stuck: a change has waited longer than
   * --controller-health-timeout (queued, being written, or retried after failures), e.g. because
   * the store does not take writes. /healthz fails while there is one, as kube-proxy's does for a
   * rule change that waits too long; an agent that does not lead reports nothing (it owes nothing).
   */
  stalledControllers(): { controller: string; oldestUnfinishedSeconds: number }[] {
    const s = this.endpoints?.stats();
    if (!s?.leader || s.oldestUnfinishedMs <= this.config.controllerHealthTimeout) return [];
    return [{ controller: 'endpoints', oldestUnfinishedSeconds: Math.round(s.oldestUnfinishedMs / 100) / 10 }];
  }

  /** Ready: the first proxy sync is done and DNS and ingress have their first lists. */
  isReady(): boolean {
    if (this.stopping) return false;
    if (this.readyAt) return true;
    // Configured, not started: DNS and ingress workers take a moment to bind, and readiness must wait for them.
    const c = this.config;
    const ok = this.proxy.started && (!c.dnsListen || this.synced.has('dns')) && (!(c.ingressHttpListen || c.ingressHttpsListen) || this.synced.has('ingress'));
    if (ok) this.readyAt = Date.now();
    return ok;
  }

  /** Registers this node's Node (retried on each heartbeat until the store takes it). */
  private async register(): Promise<void> {
    if (this.registered || this.config.kubeconfig) return;
    try {
      await registerNode(this.store, this.registration());
      this.registered = true;
    } catch (e) {
      this.log.warn({ node: this.node, err: (e as Error).message }, 'node: could not register the Node; retrying with the next heartbeat');
    }
  }

  private async tick(): Promise<void> {
    await this.register();
    await this.heartbeat();
    if (this.elector?.isLeader && !this.config.kubeconfig) {
      try {
        const changed = await markSilentNodes(this.store, this.elector, this.config.nodeMonitorGracePeriod);
        for (const n of changed) this.log.info({ node: n }, 'node lifecycle: Ready condition updated');
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'node lifecycle: could not mark silent nodes');
      }
    }
  }

  async heartbeat(): Promise<void> {
    try {
      await this.store.nodeStatus.heartbeat(this.node, heartbeatOf(await this.status()));
      this.lastHeartbeatError = undefined;
    } catch (e) {
      this.heartbeatFailures++;
      if (this.lastHeartbeatError !== (e as Error).message) this.log.warn({ node: this.node, err: (e as Error).message }, 'heartbeat: could not write to the store');
      this.lastHeartbeatError = (e as Error).message;
    }
  }

  async status(): Promise<AgentStatus> {
    return buildStatus({
      node: this.node,
      version: this.version,
      ready: this.isReady(),
      stopping: this.stopping,
      store: this.store.description,
      source: this.source?.status(),
      proxy: this.proxy,
      leader: this.leader(),
      dns: this.dns?.listening,
      ingress: this.ingress?.listening,
      announced: this.announcer?.addresses ?? [],
      pools: this.config.loadbalancerPool,
      startedAt: this.startedAt,
      withheld: this.dataPlane?.objects.withheld(),
      simulatedBackends: this.dataPlane?.backends?.status(),
    });
  }

  private leader(): AgentStatus['leader'] {
    return { endpoints: this.endpoints?.isLeader ?? false, loadbalancer: this.elector?.isLeader ?? false, ...(this.manifests ? { manifests: this.manifests.isLeader } : {}) };
  }

  private registration() {
    return { name: this.node, nodeIPs: this.nodeIPs, version: this.version };
  }

  /**
   * SIGTERM: stop accepting (readyz fails, DNS and ingress close their listeners after in-flight
   * work), hand the leases over, release announced addresses, stop syncing and leave the rules in
   * place unless `cleanup`; then a last heartbeat saying not ready.
   */
  async stop(options: { cleanup: boolean }): Promise<string[]> {
    this.stopping = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    const problems: string[] = [];
    const step = async (what: string, f: () => Promise<unknown> | unknown) => {
      try {
        await f();
      } catch (e) {
        problems.push(`${what}: ${(e as Error).message}`);
      }
    };
    await step('ingress', () => this.ingress?.close());
    await step('dns', () => this.dns?.close());
    await step('endpoints controller', () => this.endpoints?.stop());
    await step('controllers lease', () => this.elector?.stop());
    this.lb?.stop();
    await step('loadbalancer addresses', () => this.announcer?.announce([]));
    await step('proxy', () => this.proxy.stop());
    if (options.cleanup) await step('proxy cleanup', () => this.proxy.cleanup());
    await step('data plane endpoints', () => this.dataPlane?.stop({ removeAddresses: options.cleanup }));
    await step('source', () => this.source?.stop());
    this.informers.stop();
    await step('heartbeat', () => this.heartbeat());
    if (this.registered) await step('node status', () => reportNodeStopped(this.store, this.registration(), 'svcnet-agent stopped'));
    await step('store', () => this.store.close());
    return problems;
  }
}
