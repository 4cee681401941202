import type { Service } from '@svcnet/model';
import { cidrFamily, familyOf } from './proxyOptions.js';
import type { IPFamily, Protocol, ServicePortInfo } from './types.js';
import { servicePortKey, servicePortNameString } from './types.js';

/** Default ClientIP affinity timeout (upstream DefaultClientIPServiceAffinitySeconds). */
export const DEFAULT_AFFINITY_SECONDS = 10800;

/** The ClusterIP of `family` (upstream GetClusterIPByFamily), undefined when it has none. */
export function clusterIPForFamily(svc: Service, family: IPFamily): string | undefined {
  const spec = svc.spec ?? {};
  const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  return ips.find((ip) => ip !== 'None' && familyOf(ip) === family);
}

/** Upstream ShouldSkipService: headless, ExternalName and IP-less Services are not proxied. */
export function shouldSkipService(svc: Service): boolean {
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName') return true;
  if (!spec.clusterIP || spec.clusterIP === 'None') return true;
  return false;
}

function externallyAccessibleService(svc: Service): boolean {
  const t = svc.spec?.type ?? 'ClusterIP';
  return t === 'LoadBalancer' || t === 'NodePort' || (t === 'ClusterIP' && (svc.spec?.externalIPs?.length ?? 0) > 0);
}

/**
 * The service ports of one Service for one IP family, keyed by servicePortKey (upstream
 * ServiceChangeTracker.serviceToServiceMap + newBaseServiceInfo). Addresses of the other family
 * and malformed source ranges are dropped, as upstream does.
 */
export function servicePortsFromService(svc: Service | undefined, family: IPFamily): Map<string, ServicePortInfo> {
  const out = new Map<string, ServicePortInfo>();
  if (!svc || shouldSkipService(svc)) return out;
  const clusterIP = clusterIPForFamily(svc, family);
  if (!clusterIP) return out;
  const spec = svc.spec ?? {};
  const namespace = svc.metadata?.namespace ?? 'default';
  const name = svc.metadata?.name ?? '';
  const externalIPs = (spec.externalIPs ?? []).map((s) => s.trim()).filter((ip) => familyOf(ip) === family);
  const loadBalancerVIPs = (svc.status?.loadBalancer?.ingress ?? [])
    .filter((i) => i.ip && familyOf(i.ip) === family && (i as { ipMode?: string }).ipMode !== 'Proxy')
    .map((i) => i.ip as string);
  const loadBalancerSourceRanges = (spec.loadBalancerSourceRanges ?? [])
    .map((s) => s.trim())
    .filter((c) => cidrFamily(c) === family);
  const affinity = spec.sessionAffinity === 'ClientIP';
  const sticky = affinity ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) : 0;
  const externalPolicyLocal = externallyAccessibleService(svc) && spec.externalTrafficPolicy === 'Local';
  const internalPolicyLocal = spec.internalTrafficPolicy === 'Local';
  const annotations = svc.metadata?.annotations ?? {};
  const mode = annotations['service.kubernetes.io/topology-mode'] ?? annotations['service.kubernetes.io/topology-aware-hints'];
  const hintsEnabled = (spec as { trafficDistribution?: string }).trafficDistribution !== undefined || mode === 'Auto' || mode === 'auto';
  const needsHealthCheck = spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
  for (const p of spec.ports ?? []) {
    const protocol = (p.protocol ?? 'TCP') as Protocol;
    const portName = { namespace, name, port: p.name ?? '', protocol };
    const info: ServicePortInfo = {
      portName,
      nameString: servicePortNameString(portName),
      serviceKey: `${namespace}/${name}`,
      clusterIP,
      port: p.port,
      protocol,
      nodePort: p.nodePort ?? 0,
      externalIPs,
      loadBalancerVIPs,
      loadBalancerSourceRanges,
      sessionAffinityClientIP: affinity,
      stickyMaxAgeSeconds: sticky,
      healthCheckNodePort: needsHealthCheck ? (spec.healthCheckNodePort ?? 0) : 0,
      externalPolicyLocal,
      internalPolicyLocal,
      hintsEnabled,
    };
    out.set(servicePortKey(portName), info);
  }
  return out;
}
