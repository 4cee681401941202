// ValidateService / ValidateServiceUpdate (pkg/apis/core/validation/validation.go). Expects a defaulted
// object (see setDefaults); `admit` does both.
import type { Service, ServicePort, ServiceSpec } from 'kubernetes-types/core/v1.js';
import { FieldPath, duplicate, forbidden, invalid, notSupported, required, type FieldError } from '../fieldErrors.js';
import { externallyAccessible, needsHealthCheck } from '../defaults/serviceNeeds.js';
import { isValidCIDR, isValidIP, validateNonSpecialIP } from './ipRules.js';
import { isValidPortName, isValidPortNum, nameIsDNS1035Label } from './names.js';
import { validateDNS1123Label, validateDNS1123Subdomain, validateLabels, validateObjectMeta, validateObjectMetaUpdate, validateQualifiedName } from './objectMeta.js';
import {
  isHeadlessService,
  validateServiceClusterIPsRelatedFields,
  validateUpgradeDowngradeClusterIPs,
  validateUpgradeDowngradeIPFamilies,
} from './serviceClusterIPs.js';
import { ANNOTATION_LOAD_BALANCER_SOURCE_RANGES, ANNOTATION_TOPOLOGY_AWARE_HINTS, ANNOTATION_TOPOLOGY_MODE } from '../wellKnown.js';

export const SUPPORTED_PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const SUPPORTED_SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const SUPPORTED_SESSION_AFFINITY = ['ClientIP', 'None'];
const SUPPORTED_TRAFFIC_POLICIES = ['Cluster', 'Local'];
export const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;

const spec = FieldPath.root('spec');

export interface ServiceValidationOptions {
  /**
   * svcnet validates before allocating (upstream allocates first), so by default a zero
   * healthCheckNodePort on a LoadBalancer with externalTrafficPolicy Local means "to be allocated".
   * Set this when validating a Service whose allocation is complete to require it as upstream does.
   */
  requireAllocated?: boolean;
}

/** ValidatePortNumOrName: a port number, or an IANA_SVC_NAME naming a container port. */
export function validatePortNumOrName(port: unknown, path: FieldPath | string): FieldError[] {
  if (typeof port === 'string') return isValidPortName(port).map((m) => invalid(path, port, m));
  const n = port ?? 0;
  return isValidPortNum(n).map((m) => invalid(path, n, m));
}

function validateServicePort(sp: ServicePort, requireName: boolean, names: Set<string>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !sp.name) errs.push(required(path.child('name')));
  else if (sp.name) {
    errs.push(...validateDNS1123Label(sp.name, path.child('name')));
    if (names.has(sp.name)) errs.push(duplicate(path.child('name'), sp.name));
    else names.add(sp.name);
  }
  for (const m of isValidPortNum(sp.port ?? 0)) errs.push(invalid(path.child('port'), sp.port ?? 0, m));
  if (!sp.protocol) errs.push(required(path.child('protocol')));
  else if (!SUPPORTED_PORT_PROTOCOLS.includes(sp.protocol)) errs.push(notSupported(path.child('protocol'), sp.protocol, SUPPORTED_PORT_PROTOCOLS));
  errs.push(...validatePortNumOrName(sp.targetPort, path.child('targetPort')));
  if (sp.appProtocol !== undefined) errs.push(...validateQualifiedName(sp.appProtocol, path.child('appProtocol')));
  // svcnet addition: upstream leaves the nodePort range to the allocator; a value that is not a port at all is rejected here.
  if (sp.nodePort) for (const m of isValidPortNum(sp.nodePort)) errs.push(invalid(path.child('nodePort'), sp.nodePort, m));
  return errs;
}

function validateClientIPAffinityConfig(s: ServiceSpec, path: FieldPath): FieldError[] {
  const detail = 'when session affinity type is ClientIP';
  const cfg = s.sessionAffinityConfig;
  if (!cfg) return [required(path, detail)];
  if (!cfg.clientIP) return [required(path.child('clientIP'), detail)];
  const t = cfg.clientIP.timeoutSeconds;
  const tPath = path.child('clientIP', 'timeoutSeconds');
  if (t === undefined || t === null) return [required(tPath, detail)];
  if (typeof t !== 'number' || t <= 0 || t > MAX_CLIENT_IP_AFFINITY_SECONDS) {
    return [invalid(tPath, t, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`)];
  }
  return [];
}

function validateTrafficPolicies(svc: Service, opts: ServiceValidationOptions): FieldError[] {
  const s = svc.spec ?? {};
  const errs: FieldError[] = [];
  if (!externallyAccessible(svc)) {
    if (s.externalTrafficPolicy) {
      errs.push(invalid(spec.child('externalTrafficPolicy'), s.externalTrafficPolicy, 'may only be set for externally-accessible services'));
    }
  } else if (!s.externalTrafficPolicy) {
    errs.push(required(spec.child('externalTrafficPolicy')));
  } else if (!SUPPORTED_TRAFFIC_POLICIES.includes(s.externalTrafficPolicy)) {
    errs.push(notSupported(spec.child('externalTrafficPolicy'), s.externalTrafficPolicy, SUPPORTED_TRAFFIC_POLICIES));
  }
  const hc = s.healthCheckNodePort ?? 0;
  if (!needsHealthCheck(svc)) {
    if (hc !== 0) {
      errs.push(invalid(spec.child('healthCheckNodePort'), hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    }
  } else if (hc === 0) {
    if (opts.requireAllocated) errs.push(required(spec.child('healthCheckNodePort')));
  } else {
    for (const m of isValidPortNum(hc)) errs.push(invalid(spec.child('healthCheckNodePort'), hc, m));
  }
  if (s.internalTrafficPolicy === undefined || s.internalTrafficPolicy === null) {
    // Upstream does not require it for ExternalName, for compatibility with objects stored before it existed.
    if (s.type === 'NodePort' || s.type === 'LoadBalancer' || s.type === 'ClusterIP') errs.push(required(spec.child('internalTrafficPolicy')));
  } else if (!SUPPORTED_TRAFFIC_POLICIES.includes(s.internalTrafficPolicy)) {
    errs.push(notSupported(spec.child('internalTrafficPolicy'), s.internalTrafficPolicy, SUPPORTED_TRAFFIC_POLICIES));
  }
  const td = (s as { trafficDistribution?: unknown }).trafficDistribution;
  if (td !== undefined && td !== null && td !== 'PreferClose') errs.push(notSupported(spec.child('trafficDistribution'), td, ['PreferClose']));
  return errs;
}

function validateLoadBalancerFields(svc: Service): FieldError[] {
  const s = svc.spec ?? {};
  const errs: FieldError[] = [];
  const isLB = s.type === 'LoadBalancer';
  const ranges = s.loadBalancerSourceRanges ?? [];
  const annotation = svc.metadata?.annotations?.[ANNOTATION_LOAD_BALANCER_SOURCE_RANGES];
  if (ranges.length > 0) {
    // Upstream's path really is capitalised here.
    const p = spec.child('LoadBalancerSourceRanges');
    if (!isLB) errs.push(forbidden(p, "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => errs.push(...isValidCIDR(p.index(i), typeof r === 'string' ? r.trim() : r)));
  } else if (annotation !== undefined) {
    const p = FieldPath.root('metadata').child('annotations').key(ANNOTATION_LOAD_BALANCER_SOURCE_RANGES);
    if (!isLB) errs.push(forbidden(p, "may only be used when `type` is 'LoadBalancer'"));
    const v = annotation.trim();
    if (v) for (const r of v.split(',')) errs.push(...isValidCIDR(p, r.trim()));
  }
  if (s.allocateLoadBalancerNodePorts !== undefined && s.allocateLoadBalancerNodePorts !== null && !isLB) {
    errs.push(forbidden(spec.child('allocateLoadBalancerNodePorts'), "may only be used when `type` is 'LoadBalancer'"));
  }
  // Upstream reports this one without the `spec.` prefix; kept for identical messages.
  if (isLB && (s.allocateLoadBalancerNodePorts === undefined || s.allocateLoadBalancerNodePorts === null)) {
    errs.push(required('allocateLoadBalancerNodePorts'));
  }
  if (isLB) {
    if (s.loadBalancerClass !== undefined && s.loadBalancerClass !== null) {
      errs.push(...validateQualifiedName(s.loadBalancerClass, spec.child('loadBalancerClass')));
    }
  } else if (s.loadBalancerClass !== undefined && s.loadBalancerClass !== null) {
    errs.push(forbidden(spec.child('loadBalancerClass'), "may only be used when `type` is 'LoadBalancer'"));
  }
  return errs;
}

function validateTypeSpecific(svc: Service): FieldError[] {
  const s = svc.spec ?? {};
  const errs: FieldError[] = [];
  const clusterIPs = s.clusterIPs ?? [];
  switch (s.type) {
    case 'LoadBalancer':
    case 'NodePort':
      if (isHeadlessService(svc)) {
        errs.push(invalid(spec.child('clusterIPs').index(0), clusterIPs[0], `may not be set to 'None' for ${s.type} services`));
      }
      break;
    case 'ExternalName': {
      if (clusterIPs.length > 0) errs.push(forbidden(spec.child('clusterIPs'), 'may not be set for ExternalName services'));
      if ((s.ipFamilies ?? []).length > 0) errs.push(forbidden(spec.child('ipFamilies'), 'may not be set for ExternalName services'));
      if (s.ipFamilyPolicy !== undefined && s.ipFamilyPolicy !== null) {
        errs.push(forbidden(spec.child('ipFamilyPolicy'), 'may not be set for ExternalName services'));
      }
      // The value is a CNAME target and may carry the trailing dot of a fully qualified name.
      const cname = (s.externalName ?? '').replace(/\.$/, '');
      if (cname) errs.push(...validateDNS1123Subdomain(cname, spec.child('externalName')));
      else errs.push(required(spec.child('externalName')));
      break;
    }
  }
  return errs;
}

function validatePortsAndDuplicates(svc: Service): FieldError[] {
  const s = svc.spec ?? {};
  const ports = Array.isArray(s.ports) ? s.ports : [];
  const errs: FieldError[] = [];
  const portsPath = spec.child('ports');
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p ?? {}, ports.length > 1, names, portsPath.index(i))));
  if (s.type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (p?.nodePort) errs.push(forbidden(portsPath.index(i).child('nodePort'), "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!p?.nodePort) return;
    const key = `${p.protocol}/${p.nodePort}`;
    if (nodePorts.has(key)) errs.push(duplicate(portsPath.index(i).child('nodePort'), p.nodePort));
    nodePorts.add(key);
  });
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${p?.protocol}/${p?.port}`;
    if (seen.has(key)) errs.push(duplicate(portsPath.index(i), { protocol: p?.protocol, port: p?.port }));
    seen.add(key);
  });
  return errs;
}

/** ValidateService: every error of the Service at once. */
export function validateServiceCreate(svc: Service, opts: ServiceValidationOptions = {}): FieldError[] {
  const s = svc.spec ?? {};
  const errs = validateObjectMeta(svc.metadata, true, nameIsDNS1035Label, 'metadata');
  const ann = svc.metadata?.annotations ?? {};
  if (ann[ANNOTATION_TOPOLOGY_MODE] !== undefined && ann[ANNOTATION_TOPOLOGY_AWARE_HINTS] !== undefined && ann[ANNOTATION_TOPOLOGY_MODE] !== ann[ANNOTATION_TOPOLOGY_AWARE_HINTS]) {
    errs.push(
      invalid(
        FieldPath.root('metadata').child('annotations').key(ANNOTATION_TOPOLOGY_MODE),
        ann[ANNOTATION_TOPOLOGY_MODE],
        `must match annotations[${ANNOTATION_TOPOLOGY_AWARE_HINTS}] when both are specified`,
      ),
    );
  }
  if (!Array.isArray(s.ports) || s.ports.length === 0) {
    if (!isHeadlessService(svc) && s.type !== 'ExternalName') errs.push(required(spec.child('ports')));
  }
  errs.push(...validateTypeSpecific(svc));
  errs.push(...validatePortsAndDuplicates(svc));
  if (s.selector !== undefined && s.selector !== null) errs.push(...validateLabels(s.selector, spec.child('selector')));

  if (!s.sessionAffinity) errs.push(required(spec.child('sessionAffinity')));
  else if (!SUPPORTED_SESSION_AFFINITY.includes(s.sessionAffinity)) {
    errs.push(notSupported(spec.child('sessionAffinity'), s.sessionAffinity, SUPPORTED_SESSION_AFFINITY));
  }
  if (s.sessionAffinity === 'ClientIP') errs.push(...validateClientIPAffinityConfig(s, spec.child('sessionAffinityConfig')));
  else if (s.sessionAffinity === 'None' && s.sessionAffinityConfig) {
    errs.push(forbidden(spec.child('sessionAffinityConfig'), 'must not be set when session affinity is None'));
  }

  errs.push(...validateServiceClusterIPsRelatedFields(svc));

  (s.externalIPs ?? []).forEach((ip, i) => {
    const p = spec.child('externalIPs').index(i);
    const ipErrs = isValidIP(p, ip);
    errs.push(...(ipErrs.length ? ipErrs : validateNonSpecialIP(p, ip)));
  });

  if (!s.type) errs.push(required(spec.child('type')));
  else if (!SUPPORTED_SERVICE_TYPES.includes(s.type)) errs.push(notSupported(spec.child('type'), s.type, SUPPORTED_SERVICE_TYPES));

  errs.push(...validateLoadBalancerFields(svc));
  errs.push(...validateTrafficPolicies(svc, opts));
  return errs;
}

/** ValidateServiceUpdate: immutability of the primary clusterIP and family, loadBalancerClass and healthCheckNodePort. */
export function validateServiceUpdate(svc: Service, old: Service, opts: ServiceValidationOptions = {}): FieldError[] {
  const errs = validateObjectMetaUpdate(svc.metadata, old.metadata, 'metadata');
  errs.push(...validateUpgradeDowngradeClusterIPs(old, svc));
  errs.push(...validateUpgradeDowngradeIPFamilies(old, svc));
  const o = old.spec ?? {};
  const n = svc.spec ?? {};
  if (o.type === 'LoadBalancer' && n.type === 'LoadBalancer' && (o.loadBalancerClass ?? null) !== (n.loadBalancerClass ?? null)) {
    errs.push(invalid(spec.child('loadBalancerClass'), n.loadBalancerClass ?? null, 'may not change once set'));
  }
  if (needsHealthCheck(old) && needsHealthCheck(svc) && (n.healthCheckNodePort ?? 0) !== (o.healthCheckNodePort ?? 0)) {
    errs.push(forbidden(spec.child('healthCheckNodePort'), 'field is immutable'));
  }
  errs.push(...validateServiceCreate(svc, opts));
  return errs;
}

/** ValidateService on create, ValidateServiceUpdate when `old` is given. */
export function validateService(svc: Service, old?: Service, opts: ServiceValidationOptions = {}): FieldError[] {
  return old ? validateServiceUpdate(svc, old, opts) : validateServiceCreate(svc, opts);
}
