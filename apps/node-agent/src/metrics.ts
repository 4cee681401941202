import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { EndpointsControllerStats } from '@svcnet/endpoints';

/** The agent's own metrics, declared once (README's Metrics section lists the same). */
export const AGENT_METRICS = {
  info: { name: 'svcnet_agent_info', help: 'Agent build and mode: version, node, requested and effective proxy mode (always 1).' },
  leader: { name: 'svcnet_agent_leader', help: '1 while this agent holds the controller\'s lease (controller: endpoints | loadbalancer | manifests).' },
  generation: { name: 'svcnet_agent_proxy_rule_generation', help: 'Proxy rule generation: desired (changes seen) and applied (programmed on every IP family).' },
  heartbeatFailures: { name: 'svcnet_agent_heartbeat_failures', help: 'Heartbeats that could not be written to the store since start.' },
  loadBalancerAddresses: { name: 'svcnet_agent_loadbalancer_addresses', help: 'LoadBalancer addresses assigned from the pools (as seen by this agent).' },
  endpointsQueueDepth: { name: 'svcnet_endpoints_controller_queue_depth', help: 'Services waiting for the endpoints reconciler.' },
  endpointsSyncs: { name: 'svcnet_endpoints_controller_syncs', help: 'Reconciler syncs since start.' },
  endpointsWrites: { name: 'svcnet_endpoints_controller_writes', help: 'Endpoints/EndpointSlice writes since start, by operation.' },
  endpointsErrors: { name: 'svcnet_endpoints_controller_errors', help: 'Reconciler errors since start, by kind (error, conflict, fenced, dropped).' },
  // Controller liveness, with kube-controller-manager's workqueue names (client-go workqueue metrics, name = the controller).
  workqueueDepth: { name: 'workqueue_depth', help: 'Current depth of the workqueue (changes waiting to be synced).' },
  workqueueAdds: { name: 'workqueue_adds_total', help: 'Total number of adds handled by the workqueue.' },
  workqueueRetries: { name: 'workqueue_retries_total', help: 'Total number of retries handled by the workqueue.' },
  workqueueLongestRunning: { name: 'workqueue_longest_running_processor_seconds', help: 'How many seconds has the longest running processor for the workqueue been running.' },
  workqueueUnfinishedWork: { name: 'workqueue_unfinished_work_seconds', help: 'How many seconds of work has been done that is in progress and hasn\'t been observed by work_duration.' },
  oldestUnfinished: { name: 'svcnet_controller_oldest_unfinished_change_seconds', help: 'Age of the oldest change the controller has not written yet (waiting, being written or waiting for a retry); /healthz fails past --controller-health-timeout while this agent leads.' },
  lastWrite: { name: 'svcnet_controller_last_write_timestamp_seconds', help: 'When the controller last had a write acknowledged by the store (Unix time; 0: none since start). time() minus it is the time since.' },
} as const;

export interface AgentMetricSources {
  info: () => Record<string, string>;
  leader: () => { endpoints: boolean; loadbalancer: boolean; manifests?: boolean };
  generation: () => { desired: number; applied: number };
  heartbeatFailures: () => number;
  loadBalancerAddresses: () => number;
  endpoints: () => EndpointsControllerStats | undefined;
}

/** The controllers whose liveness is exported (the `name` label of workqueue_*, `controller` of svcnet_controller_*). */
const CONTROLLERS = ['endpoints'] as const;

/**
 * One prom-client registry for the whole agent: process metrics, the agent's gauges (read at scrape
 * time from the components) and, registered by the components themselves on the same registry, the
 * proxy's kubeproxy_*, the DNS server's and the ingress router's metrics.
 */
export function agentRegistry(src: AgentMetricSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const m = AGENT_METRICS;
  new Gauge({ ...m.info, labelNames: ['version', 'node', 'proxy_mode', 'requested_proxy_mode'], registers, collect() {
    this.reset();
    this.set(src.info(), 1);
  } });
  new Gauge({ ...m.leader, labelNames: ['controller'], registers, collect() {
    const l = src.leader();
    this.set({ controller: 'endpoints' }, l.endpoints ? 1 : 0);
    this.set({ controller: 'loadbalancer' }, l.loadbalancer ? 1 : 0);
    if (l.manifests !== undefined) this.set({ controller: 'manifests' }, l.manifests ? 1 : 0);
  } });
  new Gauge({ ...m.generation, labelNames: ['state'], registers, collect() {
    const g = src.generation();
    this.set({ state: 'desired' }, g.desired);
    this.set({ state: 'applied' }, g.applied);
  } });
  new Gauge({ ...m.heartbeatFailures, registers, collect() {
    this.set(src.heartbeatFailures());
  } });
  new Gauge({ ...m.loadBalancerAddresses, registers, collect() {
    this.set(src.loadBalancerAddresses());
  } });
  new Gauge({ ...m.endpointsQueueDepth, registers, collect() {
    this.set(src.endpoints()?.queueDepth ?? 0);
  } });
  new Gauge({ ...m.endpointsSyncs, registers, collect() {
    this.set(src.endpoints()?.syncs ?? 0);
  } });
  new Gauge({ ...m.endpointsWrites, labelNames: ['operation'], registers, collect() {
    const w = src.endpoints()?.writes ?? { create: 0, update: 0, delete: 0 };
    for (const [op, n] of Object.entries(w)) this.set({ operation: op }, n);
  } });
  const stats = (name: (typeof CONTROLLERS)[number]) => (name === 'endpoints' ? src.endpoints() : undefined);
  const perController = (set: (name: string, s: EndpointsControllerStats) => void) => {
    for (const name of CONTROLLERS) {
      const s = stats(name);
      if (s) set(name, s);
    }
  };
  new Gauge({ ...m.workqueueDepth, labelNames: ['name'], registers, collect() {
    perController((name, s) => this.set({ name }, s.queueDepth));
  } });
  // Counters kept by the queue, read at scrape time: reset, then set to the queue's total.
  new Counter({ ...m.workqueueAdds, labelNames: ['name'], registers, collect() {
    this.reset();
    perController((name, s) => this.inc({ name }, s.queue.adds));
  } });
  new Counter({ ...m.workqueueRetries, labelNames: ['name'], registers, collect() {
    this.reset();
    perController((name, s) => this.inc({ name }, s.queue.retries));
  } });
  new Gauge({ ...m.workqueueLongestRunning, labelNames: ['name'], registers, collect() {
    perController((name, s) => this.set({ name }, s.queue.longestRunningMs / 1000));
  } });
  new Gauge({ ...m.workqueueUnfinishedWork, labelNames: ['name'], registers, collect() {
    perController((name, s) => this.set({ name }, s.queue.unfinishedWorkMs / 1000));
  } });
  new Gauge({ ...m.oldestUnfinished, labelNames: ['controller'], registers, collect() {
    perController((name, s) => this.set({ controller: name }, s.oldestUnfinishedMs / 1000));
  } });
  new Gauge({ ...m.lastWrite, labelNames: ['controller'], registers, collect() {
    perController((name, s) => this.set({ controller: name }, s.lastWriteAt / 1000));
  } });
  new Gauge({ ...m.endpointsErrors, labelNames: ['kind'], registers, collect() {
    const s = src.endpoints();
    this.set({ kind: 'error' }, s?.errors ?? 0);
    this.set({ kind: 'conflict' }, s?.conflicts ?? 0);
    this.set({ kind: 'fenced' }, s?.fenced ?? 0);
    this.set({ kind: 'dropped' }, s?.dropped ?? 0);
  } });
  return registry;
}
