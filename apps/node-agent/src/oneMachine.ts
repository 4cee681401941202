import type { AgentConfig } from './config.js';

/** ClusterIP range of the Kubernetes default (kube-apiserver --service-cluster-ip-range). */
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';

/**
 * ClusterIP range of the one-machine setup: loopback, so every ClusterIP is an address of this
 * machine (Linux routes all of 127.0.0.0/8 to lo) and the userspace proxy, which needs no root,
 * can listen on it. DNS answers it, so `curl $(dig +short ...)` reaches the Service from the same
 * machine. Never routed, never seen by another host.
 */
export const ONE_MACHINE_SERVICE_CIDR = '127.100.0.0/16';

/**
 * The one-machine setup: the userspace proxy over the agent's own memory store (no --redis, no
 * --kubeconfig). Only this agent writes there (from the user's own manifests), so loopback
 * ClusterIPs and externalIPs are admitted; the store still refuses loopback endpoints.
 */
export function isOneMachine(c: Pick<AgentConfig, 'proxyMode' | 'redis' | 'kubeconfig'>): boolean {
  return c.proxyMode === 'userspace' && !c.redis && !c.kubeconfig;
}

/** --service-cluster-ip-range when none is given: loopback for one machine, else Kubernetes' default. */
export function defaultServiceCIDRs(c: Pick<AgentConfig, 'proxyMode' | 'redis' | 'kubeconfig'>): string[] {
  return [isOneMachine(c) ? ONE_MACHINE_SERVICE_CIDR : DEFAULT_SERVICE_CIDR];
}
