import { ipFamily, specialIPRange, validateNonSpecialIP, type IPFamily, type Pod, type Service, type ServicePort } from '@svcnet/model';

/**
 * Which pods count and how, as upstream's k8s.io/endpointslice/util (controller_utils.go) and
 * utils.go decide it. Every function here is pure.
 */

/** A Service selector (a plain map) matches labels when every pair is present; `{}` matches all. */
export function selectorMatches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>> | undefined): boolean {
  for (const key in selector) {
    if (labels?.[key] !== selector[key]) return false;
  }
  return true;
}

/** True when a Service has a selector: a missing selector (nil) selects nothing, `{}` selects all. */
export function hasSelector(service: Service): service is Service & { spec: { selector: Record<string, string> } } {
  return service.spec?.selector !== undefined && service.spec.selector !== null;
}

/** The reconcilers write nothing for ExternalName Services or Services without a selector. */
export function isReconciledService(service: Service): boolean {
  return service.spec?.type !== 'ExternalName' && hasSelector(service);
}

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  const c = pod.status?.conditions?.find((x) => x.type === 'Ready');
  return c?.status === 'True';
}

/** Time of the Ready condition's last transition (the pod's trigger time), or undefined. */
export function podTriggerTime(pod: Pod): string | undefined {
  return pod.status?.conditions?.find((x) => x.type === 'Ready')?.lastTransitionTime;
}

export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

export function isPodTerminating(pod: Pod): boolean {
  return pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
}

/**
 * Why a pod's IPs cannot be published, or undefined when they can: every status.podIPs[].ip (or
 * status.podIP when podIPs is empty, as podIPs() reads them) must parse as an IP address, and may
 * not be unspecified, loopback or link-local. The API server guarantees the first; the store's
 * status validation guarantees the second for status writes, but a Pod written around it (raw
 * Redis, a mirror of a cluster, a buggy client) does not, and the reconciler's EndpointSlices skip
 * admission: a pod claiming 127.0.0.1 would make every node DNAT Service traffic to its own
 * localhost (issue 22). Upstream skips pods whose IP does not parse; EndpointSlice validation
 * refuses the special ranges for every writer, so such a pod could never be published there either.
 */
export function podIPProblem(pod: Pod): string | undefined {
  const status: unknown = pod.status;
  if (status === undefined || status === null) return undefined;
  if (typeof status !== 'object') return 'status: must be an object';
  const { podIP, podIPs } = status as { podIP?: unknown; podIPs?: unknown };
  if (podIPs !== undefined && podIPs !== null && !Array.isArray(podIPs)) return 'status.podIPs: must be an array';
  // The IPs the controllers use (podIPs, falling back to podIP when podIPs is empty) must parse.
  if (!Array.isArray(podIPs) || podIPs.length === 0) {
    if (podIP === undefined || podIP === null || podIP === '') return undefined;
    return addressProblem('status.podIP', podIP);
  }
  for (let i = 0; i < podIPs.length; i++) {
    const problem = addressProblem(`status.podIPs[${i}].ip`, (podIPs[i] as { ip?: unknown } | null)?.ip);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function addressProblem(path: string, ip: unknown): string | undefined {
  if (typeof ip !== 'string' || !ipFamily(ip)) return `${path}: ${JSON.stringify(ip)} is not a valid IP address`;
  if (specialIPRange(ip) === undefined) return undefined;
  // validateNonSpecialIP's words for the range (`may not be in the loopback range (127.0.0.0/8, ::1/128)`).
  return `${path}: ${JSON.stringify(ip)} ${validateNonSpecialIP(path, ip)[0]?.detail ?? 'may not be a special address'}`;
}

/**
 * ShouldPodBeInEndpoints: not terminal, has an IP, and not terminating unless includeTerminating.
 * Pods whose IPs do not parse or are special (podIPProblem) are skipped.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!pod.status?.podIP && !(pod.status?.podIPs?.length ?? 0)) return false;
  if (podIPProblem(pod) !== undefined) return false;
  if (!includeTerminating && isPodTerminating(pod)) return false;
  return true;
}

/** ShouldSetHostname: the pod has a hostname and its subdomain is this Service in its namespace. */
export function shouldSetHostname(pod: Pod, service: Service): boolean {
  const hostname = pod.spec?.hostname ?? '';
  return hostname.length > 0 && pod.spec?.subdomain === service.metadata?.name && pod.metadata?.namespace === service.metadata?.namespace;
}

/** isServiceIPSet: a ClusterIP other than "" and "None". */
export function isServiceIPSet(service: Service): boolean {
  const ip = service.spec?.clusterIP ?? '';
  return ip !== '' && ip !== 'None';
}

/** The protocol a ServicePort means when it omits one (the API server defaults it to TCP). */
export function portProtocol(port: ServicePort): string {
  return port.protocol ?? 'TCP';
}

/**
 * FindPort: a numeric targetPort is used as is (defaulting to `port`, as the API server does); a
 * named one is looked up in the pod's containers (then restartable init containers, the sidecars)
 * by name and protocol. Undefined when the pod has no such port.
 */
export function findPort(pod: Pod, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = portProtocol(servicePort);
  for (const container of pod.spec?.containers ?? []) {
    for (const p of container.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  for (const container of pod.spec?.initContainers ?? []) {
    if (container.restartPolicy !== 'Always') continue;
    for (const p of container.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}


/** All of a pod's IPs, from status.podIPs, falling back to status.podIP. */
export function podIPs(pod: Pod): string[] {
  const ips: string[] = [];
  const given = pod.status?.podIPs;
  if (given) for (const p of given) if (p.ip) ips.push(p.ip);
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips;
}

/**
 * getAddressTypesForService: the Service's ipFamilies; without them, the ClusterIP's family, and for
 * a headless Service without families both (as upstream does during upgrades).
 */
export function addressTypesForService(service: Service): IPFamily[] {
  const out = new Set<IPFamily>();
  for (const family of service.spec?.ipFamilies ?? []) {
    if (family === 'IPv4') out.add('IPv4');
    if (family === 'IPv6') out.add('IPv6');
  }
  if (out.size > 0) return [...out];
  if (isServiceIPSet(service)) return [ipFamily(service.spec?.clusterIP ?? '') === 'IPv6' ? 'IPv6' : 'IPv4'];
  return ['IPv4', 'IPv6'];
}
