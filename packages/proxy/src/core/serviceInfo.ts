import type { Service } from '@svcnet/model';
import { ANNOTATION_TOPOLOGY_AWARE_HINTS, ANNOTATION_TOPOLOGY_MODE } from '@svcnet/model';
import { STRICT_ADDRESSES, type AddressPolicy } from './ruleAddress.js';
import { isInvalidObject, parseProxyService, type ProxyService } from './serviceValidation.js';
import type { IPFamily, ServicePortInfo } from './types.js';
import { servicePortKey, servicePortNameString } from './types.js';

/** Default ClientIP affinity timeout (upstream DefaultClientIPServiceAffinitySeconds). */
export const DEFAULT_AFFINITY_SECONDS = 10800;

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

const ofFamily = <T extends { family: IPFamily }>(list: readonly T[], family: IPFamily): T[] => list.filter((a) => a.family === family);

/**
 * The service ports of one Service for one IP family, keyed by servicePortKey (upstream
 * ServiceChangeTracker.serviceToServiceMap + newBaseServiceInfo), from a Service already checked
 * by parseProxyService: every address is canonical, and addresses of the other family are dropped,
 * as upstream does.
 */
export function servicePortsFromProxyService(svc: Service, parsed: ProxyService, family: IPFamily): Map<string, ServicePortInfo> {
  const out = new Map<string, ServicePortInfo>();
  const clusterIP = parsed.clusterIPs.find((a) => a.family === family)?.ip;
  if (!clusterIP) return out;
  const spec = svc.spec ?? {};
  const { namespace, name } = parsed;
  const externalIPs = ofFamily(parsed.externalIPs, family).map((a) => a.ip);
  const loadBalancerVIPs = ofFamily(parsed.loadBalancerIPs, family).map((a) => a.ip);
  const loadBalancerSourceRanges = ofFamily(parsed.loadBalancerSourceRanges, family).map((c) => c.cidr);
  const affinity = spec.sessionAffinity === 'ClientIP';
  const sticky = affinity ? (parsed.affinityTimeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) : 0;
  const externalPolicyLocal = externallyAccessibleService(svc) && spec.externalTrafficPolicy === 'Local';
  const internalPolicyLocal = spec.internalTrafficPolicy === 'Local';
  const annotations = svc.metadata?.annotations ?? {};
  const mode = annotations[ANNOTATION_TOPOLOGY_MODE] ?? annotations[ANNOTATION_TOPOLOGY_AWARE_HINTS];
  const hintsEnabled = (spec as { trafficDistribution?: string }).trafficDistribution !== undefined || mode === 'Auto' || mode === 'auto';
  const needsHealthCheck = spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
  for (const p of parsed.ports) {
    const portName = { namespace, name, port: p.name, protocol: p.protocol };
    const info: ServicePortInfo = {
      portName,
      nameString: servicePortNameString(portName),
      serviceKey: `${namespace}/${name}`,
      clusterIP,
      port: p.port,
      protocol: p.protocol,
      nodePort: p.nodePort,
      externalIPs,
      loadBalancerVIPs,
      loadBalancerSourceRanges,
      sessionAffinityClientIP: affinity,
      stickyMaxAgeSeconds: sticky,
      healthCheckNodePort: needsHealthCheck ? parsed.healthCheckNodePort : 0,
      externalPolicyLocal,
      internalPolicyLocal,
      hintsEnabled,
    };
    out.set(servicePortKey(portName), info);
  }
  return out;
}

/**
 * servicePortsFromService for one Service on its own: checked (parseProxyService) and converted.
 * An invalid Service has no ports here; the change tracker reports why.
 */
export function servicePortsFromService(svc: Service | undefined, family: IPFamily, policy: AddressPolicy = STRICT_ADDRESSES): Map<string, ServicePortInfo> {
  if (!svc || shouldSkipService(svc)) return new Map();
  const parsed = parseProxyService(svc, policy);
  return isInvalidObject(parsed) ? new Map() : servicePortsFromProxyService(svc, parsed, family);
}
