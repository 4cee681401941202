import { ManifestSource, WorkloadSimulator, type ManifestProblem, type ManifestSourceStatus, type ManifestSyncResult, type WorkloadSimulatorStatus } from '@svcnet/sources';
import { LeaderElector, type Store } from '@svcnet/store';

/** The lease the cluster-wide writer of manifests and simulated Pods runs under. */
export const MANIFESTS_LEASE = 'svcnet-manifests';

export interface ManifestWriterOptions {
  paths: readonly string[];
  recursive: boolean;
  /** This agent's node: where the simulator places the Pods it makes while this agent writes. */
  node: { name: string; address?: string };
  podCIDRs: readonly string[];
  holder: string;
  ttlMs: number;
  onProblem: (p: ManifestProblem) => void;
  onSync: (r: ManifestSyncResult) => void;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

export interface ManifestWriterStatus {
  /** This agent holds the lease and writes the manifests' objects and the simulated Pods. */
  leader: boolean;
  lease: string;
  manifests?: ManifestSourceStatus;
  simulator?: WorkloadSimulatorStatus;
}

/**
 * The manifest source and the workload simulator are cluster-wide writers (upstream, their
 * counterparts are a client and kube-controller-manager's ReplicaSet/StatefulSet controllers,
 * which run under one leader lease): any number of agents may be given the same `-f`; the one
 * holding the lease writes, the others stand by and take over when it stops renewing. The new
 * writer resumes (the simulator adopts the Pods and node subnets in the store) instead of making a
 * second set. Every write carries the lease's fence, so a deposed writer's late writes are refused.
 */
export class ManifestWriter {
  private readonly elector: LeaderElector;
  private source: ManifestSource | undefined;
  private simulator: WorkloadSimulator | undefined;
  /** Leadership changes are handled one at a time, in order. */
  private transition: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly o: ManifestWriterOptions,
  ) {
    this.elector = new LeaderElector(store, MANIFESTS_LEASE, o.holder, {
      ttlMs: o.ttlMs,
      onStartedLeading: (l) => {
        o.log.info({ lease: l.name, token: l.token }, 'manifests: this agent writes them now (lease acquired)');
        this.enqueue(() => this.begin());
      },
      onStoppedLeading: () => this.enqueue(() => this.end()),
      onError: (e) => o.log.warn({ lease: MANIFESTS_LEASE, err: e.message }, 'manifests: lease error'),
    });
  }

  get isLeader(): boolean {
    return this.elector.isLeader;
  }

  /** Campaigns once and, when this agent wins, resolves after the first pass over the manifests. */
  async start(): Promise<void> {
    await this.elector.start();
    if (!this.elector.isLeader) this.o.log.info({ lease: MANIFESTS_LEASE }, 'manifests: another agent writes them; standing by to take over');
    await this.transition;
  }

  /** Stops writing (the simulated Pods stay, as a cluster's would), then hands the lease over. */
  async stop(): Promise<void> {
    this.enqueue(() => this.end());
    await this.transition;
    await this.elector.stop();
    await this.transition;
  }

  status(): ManifestWriterStatus {
    return {
      leader: this.elector.isLeader,
      lease: MANIFESTS_LEASE,
      ...(this.source ? { manifests: this.source.status() } : {}),
      ...(this.simulator ? { simulator: this.simulator.status() } : {}),
    };
  }

  private enqueue(step: () => Promise<void>): void {
    this.transition = this.transition.then(step).catch((e: Error) => this.o.log.warn({ err: e.message }, 'manifests: could not start or stop writing'));
  }

  private async begin(): Promise<void> {
    if (!this.elector.isLeader || this.source) return;
    const fence = () => this.elector.fence;
    const simulator = new WorkloadSimulator(this.store, {
      nodes: [this.o.node],
      podCIDRs: this.o.podCIDRs,
      resume: true,
      // The agent registers its own Node; the simulator only records the node's pod subnets on it.
      registerNodes: false,
      fence,
      onError: (e) => this.o.log.warn({ err: e.message }, 'simulator: write failed'),
    });
    this.simulator = simulator;
    await simulator.start();
    this.source = new ManifestSource(this.store, {
      paths: this.o.paths,
      recursive: this.o.recursive,
      simulator,
      fence,
      onProblem: this.o.onProblem,
      onSync: this.o.onSync,
    });
    await this.source.start();
  }

  private async end(): Promise<void> {
    const source = this.source;
    const simulator = this.simulator;
    this.source = undefined;
    this.simulator = undefined;
    await source?.stop();
    await simulator?.stop();
  }
}
