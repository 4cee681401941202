import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
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
} as const;

export interface AgentMetricSources {
  info: () => Record<string, string>;
  leader: () => { endpoints: boolean; loadbalancer: boolean; manifests?: boolean };
  generation: () => { desired: number; applied: number };
  heartbeatFailures: () => number;
  loadBalancerAddresses: () => number;
  endpoints: () => EndpointsControllerStats | undefined;
}

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
  new Gauge({ ...m.endpointsErrors, labelNames: ['kind'], registers, collect() {
    const s = src.endpoints();
    this.set({ kind: 'error' }, s?.errors ?? 0);
    this.set({ kind: 'conflict' }, s?.conflicts ?? 0);
    this.set({ kind: 'fenced' }, s?.fenced ?? 0);
    this.set({ kind: 'dropped' }, s?.dropped ?? 0);
  } });
  return registry;
}
