import type { Fence } from '@svcnet/store';
import type { Clock } from '@svcnet/store';
import type { Random } from '@svcnet/model';

export interface FlapOptions {
  /** How often a flap round runs. */
  intervalMs: number;
  /** Chance, per Ready pod per round, that it turns unready. */
  probability: number;
  /** At most this many pods flap per round (default 1): keeps the churn bounded whatever the size. */
  maxPerInterval?: number;
  /** How long a flapped pod stays unready (default readyDelayMs). */
  downMs?: number;
}

export interface WorkloadSimulatorOptions {
  /** Node names, or names with an address (default `['node-1', 'node-2']`). */
  nodes?: ReadonlyArray<string | { name: string; address?: string }>;
  /** Where nodes without an address get one: the i-th node gets offset i+2 (default 172.18.0.0/16, kind's network). */
  nodeAddressCIDR?: string;
  /** Cluster pod CIDRs, one per family (default `['10.244.0.0/16']`); each node gets a subnet of each. */
  podCIDRs?: readonly string[];
  /** Per-node subnet size, like kube-controller-manager's --node-cidr-mask-size (default /24 and /64). */
  nodeCIDRMaskSize?: { ipv4?: number; ipv6?: number };
  /** Time from a pod's creation (or a flap) to Ready (default 1000 ms). */
  readyDelayMs?: number;
  flap?: FlapOptions;
  /** Upper bound on pods across all workloads (default 10,000); replicas past it are reported, not made. */
  maxPods?: number;
  /** Delete the simulated pods and nodes from the store on stop() (default false: leave them, as a cluster would). */
  deleteOnStop?: boolean;
  /**
   * Take over from an earlier simulator on the same store (a writer that stopped or died): on
   * start(), Nodes' spec.podCIDRs keep their subnets and Pods already placed keep their names,
   * nodes, addresses and readiness; a workload or bare Pod applied later claims the Pods that are
   * its own instead of making new ones (default false: a fresh store).
   */
  resume?: boolean;
  /**
   * Write a simulated Node (status included) for each node (default true). False when something
   * else registers the Nodes (svcnet-agent registers its own): the simulator then writes only
   * their spec.podCIDRs, as the node IPAM controller does, and never their status.
   */
  registerNodes?: boolean;
  /** The lease this writer holds, asked at each write (see CoalescingWriter): a deposed writer's late writes are refused. */
  fence?: () => Fence | undefined;
  clock?: Clock;
  random?: Random;
  onError?: (error: Error) => void;
}

export interface WorkloadSimulatorStatus {
  running: boolean;
  nodes: string[];
  workloads: number;
  pods: number;
  readyPods: number;
  /** Readiness flaps injected so far. */
  flaps: number;
  /** Replicas that could not be made (maxPods reached or pod CIDRs full), as of the last reconcile. */
  unplaced: number;
  lastError?: string;
}
