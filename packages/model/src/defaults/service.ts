// SetDefaults_Service (pkg/apis/core/v1/defaults.go), the strategy's ClusterIP/ClusterIPs normalization
// and the registry's ipFamilies/ipFamilyPolicy initialization (pkg/registry/core/service/storage/alloc.go).
// All functions mutate the Service they are given; setDefaults hands them a copy.
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { parseIP, type IPFamily } from '../net/index.js';
import { externallyAccessible } from './serviceNeeds.js';

export const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;

export interface ServiceDefaultsOptions {
  /**
   * The cluster's service IP families, primary first (upstream's --service-cluster-ip-range order).
   * Default ['IPv4'].
   */
  serviceIPFamilies?: readonly IPFamily[];
}

function defaultPort(sp: ServicePort): void {
  if (!sp.protocol) sp.protocol = 'TCP';
  if (sp.targetPort === undefined || sp.targetPort === null || sp.targetPort === 0 || sp.targetPort === '') sp.targetPort = sp.port;
}

/** SetDefaults_Service, field for field. */
export function defaultServiceFields(svc: Service): void {
  const s = (svc.spec ??= {});
  if (!s.sessionAffinity) s.sessionAffinity = 'None';
  if (s.sessionAffinity === 'None') delete s.sessionAffinityConfig;
  if (s.sessionAffinity === 'ClientIP' && typeof s.sessionAffinityConfig?.clientIP?.timeoutSeconds !== 'number') {
    s.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS } };
  }
  if (!s.type) s.type = 'ClusterIP';
  if (Array.isArray(s.ports)) for (const p of s.ports) if (p && typeof p === 'object') defaultPort(p);
  if (externallyAccessible(svc) && !s.externalTrafficPolicy) s.externalTrafficPolicy = 'Cluster';
  if (!s.internalTrafficPolicy && (s.type === 'NodePort' || s.type === 'LoadBalancer' || s.type === 'ClusterIP')) {
    s.internalTrafficPolicy = 'Cluster';
  }
  if (s.type === 'LoadBalancer' && (s.allocateLoadBalancerNodePorts === undefined || s.allocateLoadBalancerNodePorts === null)) {
    s.allocateLoadBalancerNodePorts = true;
  }
}

/** NormalizeClusterIPs on create: a client that set only the singular field gets the plural. */
export function normalizeClusterIPs(svc: Service, old?: Service): void {
  const s = (svc.spec ??= {});
  if (!old) {
    if (s.clusterIP && (!s.clusterIPs || s.clusterIPs.length === 0)) s.clusterIPs = [s.clusterIP];
    return;
  }
  const o = old.spec ?? {};
  const same = (a?: string[], b?: string[]) => (a ?? []).length === (b ?? []).length && (a ?? []).every((x, i) => x === b?.[i]);
  // An old client patching another field sends clusterIP but not clusterIPs.
  if ((o.clusterIPs ?? []).length > 0 && (s.clusterIPs ?? []).length === 0 && (o.clusterIP ?? '') === (s.clusterIP ?? '')) {
    s.clusterIPs = o.clusterIPs;
  }
  if ((o.clusterIP ?? '') !== (s.clusterIP ?? '')) {
    if (o.clusterIP && !s.clusterIP && same(o.clusterIPs, s.clusterIPs)) delete s.clusterIPs;
    else if (same(o.clusterIPs, s.clusterIPs)) s.clusterIPs = [s.clusterIP ?? ''];
  }
}

function familyOf(ip: string): IPFamily | undefined {
  const a = parseIP(ip);
  if (!a) return undefined;
  // IPv4-mapped IPv6 counts as IPv4, as Go's net.IP does.
  return a.family === 'IPv6' && a.value >> 32n === 0xffffn ? 'IPv4' : a.family;
}

/**
 * The registry's initIPFamilyFields. ExternalName: no families. Headless without selector:
 * RequireDualStack with the cluster's families (endpoints of either family are allowed). Otherwise
 * SingleStack unless set, families inferred from clusterIPs, else the cluster's primary family (plus
 * the secondary for PreferDualStack/RequireDualStack on a dual-stack cluster).
 */
export function defaultIPFamilies(svc: Service, opts: ServiceDefaultsOptions = {}): void {
  const s = (svc.spec ??= {});
  const cluster = opts.serviceIPFamilies?.length ? [...opts.serviceIPFamilies] : (['IPv4'] as IPFamily[]);
  if (s.type === 'ExternalName') {
    delete s.ipFamilies;
    delete s.ipFamilyPolicy;
    return;
  }
  const families = (Array.isArray(s.ipFamilies) ? [...s.ipFamilies] : []) as string[];
  if (s.clusterIP === 'None' && (!s.selector || Object.keys(s.selector).length === 0)) {
    if (families.length === 0) families.push(cluster[0]!);
    s.ipFamilyPolicy ??= 'RequireDualStack';
    if (s.ipFamilyPolicy !== 'SingleStack' && families.length < 2 && cluster.length > 1) {
      families.push(families[0] === 'IPv4' ? 'IPv6' : 'IPv4');
    }
    s.ipFamilies = families;
    return;
  }
  s.ipFamilyPolicy ??= 'SingleStack';
  for (const [i, ip] of (s.clusterIPs ?? []).entries()) {
    if (ip === 'None') break;
    const f = familyOf(ip);
    if (f && i >= families.length) families.push(f);
  }
  if (families.length === 0) families.push(cluster[0]!);
  if (s.ipFamilyPolicy !== 'SingleStack' && families.length < 2 && cluster.length > 1) {
    families.push(families[0] === 'IPv4' ? 'IPv6' : 'IPv4');
  }
  s.ipFamilies = families;
}
