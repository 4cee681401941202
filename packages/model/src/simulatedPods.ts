import type { Pod } from './objects.js';

/**
 * Set to "true" by svcnet's workload simulator on the objects it stands in for: the Nodes it
 * simulates and the Pods it gives an address from its pod CIDRs. Such a Pod has no process behind
 * it and its address exists on no machine, so no data plane may send it a packet (the proxy in
 * every mode and the ingress router leave its endpoints out). A Pod that names a real address
 * (annotation svcnet.io/pod-ips: a network namespace, a lab host) is not marked.
 */
export const SIMULATED_ANNOTATION = 'svcnet.io/simulated';

/** Whether the workload simulator marked this Pod as one with nothing behind its address. */
export function isSimulatedPod(pod: Pod): boolean {
  return pod.metadata?.annotations?.[SIMULATED_ANNOTATION] === 'true';
}

/**
 * On an EndpointSlice as a data plane sees it in memory (never written to a store): how many of
 * the slice's endpoints were left out because they are simulated Pods, so the ingress router can
 * say why a backend has none.
 */
export const SIMULATED_ENDPOINTS_ANNOTATION = 'svcnet.io/simulated-endpoints';
