// What a Service of a given shape needs, as pkg/api/service/util.go and the registry's strategy decide.
import type { Service } from 'kubernetes-types/core/v1.js';

/** LoadBalancer, NodePort, or ClusterIP with externalIPs: reachable from outside the cluster. */
export function externallyAccessible(svc: Service): boolean {
  const s = svc.spec ?? {};
  return s.type === 'LoadBalancer' || s.type === 'NodePort' || (s.type === 'ClusterIP' && (s.externalIPs?.length ?? 0) > 0);
}

/** A LoadBalancer with externalTrafficPolicy Local gets a health-check node port. */
export function needsHealthCheck(svc: Service): boolean {
  return svc.spec?.type === 'LoadBalancer' && svc.spec.externalTrafficPolicy === 'Local';
}

/** Every type but ExternalName has a clusterIP (or "None"). */
export function needsClusterIP(svc: Service): boolean {
  const t = svc.spec?.type;
  return t === 'ClusterIP' || t === 'NodePort' || t === 'LoadBalancer';
}

export function needsNodePort(svc: Service): boolean {
  const s = svc.spec ?? {};
  return s.type === 'NodePort' || (s.type === 'LoadBalancer' && s.allocateLoadBalancerNodePorts !== false);
}
