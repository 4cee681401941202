import { LABEL_TOPOLOGY_ZONE } from '@svcnet/model';
import type { EndpointInfo, ServicePortInfo } from './types.js';
import { usesClusterEndpoints, usesLocalEndpoints } from './types.js';


export interface CategorizedEndpoints {
  /** Endpoints for "Cluster" traffic policy (after topology filtering). */
  clusterEndpoints: EndpointInfo[];
  /** Endpoints for "Local" traffic policy. */
  localEndpoints: EndpointInfo[];
  /** Union of the two: every endpoint this node may send to (one SEP chain each). */
  allReachableEndpoints: EndpointInfo[];
  /** True if the service has usable endpoints anywhere, not only on this node. */
  hasAnyEndpoints: boolean;
}

/**
 * Upstream topologyModeFromHints: zone hints are used only when enabled for the service, this
 * node has a zone, every ready endpoint carries hints, and at least one is hinted for our zone.
 */
function useZoneHints(svc: ServicePortInfo, endpoints: readonly EndpointInfo[], zone: string | undefined): boolean {
  if (!svc.hintsEnabled || !zone) return false;
  let hasEndpointForZone = false;
  for (const ep of endpoints) {
    if (!ep.ready) continue;
    if (!ep.zoneHints || ep.zoneHints.length === 0) return false;
    if (ep.zoneHints.includes(zone)) hasEndpointForZone = true;
  }
  return hasEndpointForZone;
}

/**
 * Per-node endpoint selection, as upstream proxy.CategorizeEndpoints: ready endpoints, falling
 * back to serving+terminating ones when none is ready; Local policy uses this node's endpoints
 * (ready first, then serving+terminating); topology hints narrow Cluster endpoints to our zone.
 */
export function categorizeEndpoints(
  endpoints: readonly EndpointInfo[],
  svc: ServicePortInfo,
  nodeLabels: Readonly<Record<string, string>>,
): CategorizedEndpoints {
  let clusterEndpoints: EndpointInfo[] = [];
  let localEndpoints: EndpointInfo[] = [];
  let hasAnyEndpoints = false;

  if (usesClusterEndpoints(svc)) {
    const zone = nodeLabels[LABEL_TOPOLOGY_ZONE];
    const byZone = useZoneHints(svc, endpoints, zone);
    const inTopology = (ep: EndpointInfo) => !byZone || (ep.zoneHints?.includes(zone as string) ?? false);
    clusterEndpoints = endpoints.filter((ep) => ep.ready && inTopology(ep));
    if (clusterEndpoints.length === 0) {
      clusterEndpoints = endpoints.filter((ep) => ep.serving && ep.terminating && inTopology(ep));
    }
    if (clusterEndpoints.length > 0) hasAnyEndpoints = true;
  }

  if (!usesLocalEndpoints(svc)) {
    return { clusterEndpoints, localEndpoints, allReachableEndpoints: clusterEndpoints, hasAnyEndpoints };
  }

  let hasLocalReady = false;
  let hasLocalServingTerminating = false;
  for (const ep of endpoints) {
    if (ep.ready) {
      hasAnyEndpoints = true;
      if (ep.isLocal) hasLocalReady = true;
    } else if (ep.serving && ep.terminating) {
      hasAnyEndpoints = true;
      if (ep.isLocal) hasLocalServingTerminating = true;
    }
  }
  if (hasLocalReady) localEndpoints = endpoints.filter((ep) => ep.isLocal && ep.ready);
  else if (hasLocalServingTerminating) localEndpoints = endpoints.filter((ep) => ep.isLocal && ep.serving && ep.terminating);

  if (!usesClusterEndpoints(svc)) {
    return { clusterEndpoints, localEndpoints, allReachableEndpoints: localEndpoints, hasAnyEndpoints };
  }
  if (localEndpoints.length === 0) return { clusterEndpoints, localEndpoints, allReachableEndpoints: clusterEndpoints, hasAnyEndpoints };
  if (clusterEndpoints.length === 0) return { clusterEndpoints, localEndpoints, allReachableEndpoints: localEndpoints, hasAnyEndpoints };
  const union = new Map<string, EndpointInfo>();
  for (const ep of clusterEndpoints) union.set(ep.endpoint, ep);
  for (const ep of localEndpoints) union.set(ep.endpoint, ep);
  return { clusterEndpoints, localEndpoints, allReachableEndpoints: [...union.values()], hasAnyEndpoints };
}
