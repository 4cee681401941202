import {
  FieldError,
  InvalidObjectError,
  NAMESPACED,
  cidrAddress,
  cidrContains,
  formatIP,
  invalid,
  parseCIDR,
  required,
  type Kind,
  type KubeObject,
  type Service,
} from '@svcnet/model';

/**
 * The one door between the store's write path and @svcnet/model's admission and allocation.
 *
 * INTERIM: @svcnet/model's `admit` (setDefaults + validation) and `allocateServiceAddresses` /
 * `serviceAllocations` are being written in parallel. Until they are exported, this module does the
 * minimum (names, namespaces, port ranges; ClusterIP and NodePort picking) so consumers can work;
 * when they land, the bodies below become one-line calls to them and nothing else in the store changes.
 */

/** Allocator settings, as the API server's `--service-cluster-ip-range` and `--service-node-port-range`. */
export interface AllocatorConfig {
  serviceCIDRs: string[];
  nodePortRange: string;
  random: () => number;
}

/** Addresses and ports currently held by all Services (the allocators' bitmaps). */
export interface UsedResources {
  ips: ReadonlySet<string>;
  nodePorts: ReadonlySet<number>;
}

/** What one Service holds. */
export interface Allocations {
  ips: string[];
  nodePorts: number[];
}

/** Defaults and validates `object` (create when `old` is undefined); throws InvalidObjectError. */
export function admitObject<T extends KubeObject>(kind: Kind, object: T, old: T | undefined): T {
  const obj = structuredClone(object);
  void old;
  const errors: FieldError[] = [];
  const name = obj.metadata?.name;
  if (!name) errors.push(required('metadata.name', 'name or generateName is required'));
  else if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) {
    errors.push(invalid('metadata.name', name, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"));
  }
  if (kind === 'Service') {
    const svc = obj as Service;
    (svc.spec?.ports ?? []).forEach((p, i) => {
      if (!(Number.isInteger(p.port) && p.port >= 1 && p.port <= 65535)) {
        errors.push(invalid(`spec.ports[${i}].port`, p.port, 'must be between 1 and 65535, inclusive'));
      }
    });
  }
  if (errors.length) throw new InvalidObjectError(kind, displayName(kind, obj), errors);
  return obj;
}

/** The name the API server prints in errors: `name` (the namespace is implied by the request). */
function displayName(kind: Kind, obj: KubeObject): string {
  void NAMESPACED[kind];
  return obj.metadata?.name ?? '';
}

function needsClusterIP(svc: Service): boolean {
  return svc.spec?.type !== 'ExternalName' && svc.spec?.clusterIP !== 'None';
}

function needsNodePorts(svc: Service): boolean {
  return svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer';
}

export function allocationsOf(svc: Service): Allocations {
  const ips = needsClusterIP(svc) ? (svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : [])) : [];
  const nodePorts = needsNodePorts(svc) ? (svc.spec?.ports ?? []).map((p) => p.nodePort ?? 0).filter((p) => p > 0) : [];
  if (svc.spec?.healthCheckNodePort) nodePorts.push(svc.spec.healthCheckNodePort);
  return { ips: ips.filter((ip) => ip && ip !== 'None'), nodePorts: [...new Set(nodePorts)] };
}

/**
 * Fills in the ClusterIP and NodePorts `svc` needs, keeping requested ones after checking them
 * against `used`; throws InvalidObjectError with the API server's message when taken or out of range.
 */
export function allocateService(svc: Service, used: UsedResources, config: AllocatorConfig): Service {
  const out = structuredClone(svc);
  const spec = (out.spec ??= {});
  const errors: FieldError[] = [];
  if (needsClusterIP(out)) {
    const requested = spec.clusterIPs?.[0] ?? spec.clusterIP;
    if (requested) {
      const inRange = config.serviceCIDRs.some((c) => cidrContains(c, requested));
      if (!inRange) errors.push(invalid('spec.clusterIPs', [requested], `failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${config.serviceCIDRs.join(',')}`));
      else if (used.ips.has(requested)) errors.push(invalid('spec.clusterIPs', [requested], `failed to allocate IP ${requested}: provided IP is already allocated`));
    } else {
      const ip = pickIP(config, used);
      if (!ip) errors.push(invalid('spec.clusterIPs', [], 'failed to allocate a serviceIP: range is full'));
      else {
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
      }
    }
  }
  if (needsNodePorts(out)) {
    const [lo, hi] = config.nodePortRange.split('-').map(Number) as [number, number];
    const taken = new Set(used.nodePorts);
    (spec.ports ?? []).forEach((p, i) => {
      if (p.nodePort) {
        if (p.nodePort < lo || p.nodePort > hi) errors.push(invalid(`spec.ports[${i}].nodePort`, p.nodePort, `provided port is not in the valid range. The range of valid ports is ${config.nodePortRange}`));
        else if (used.nodePorts.has(p.nodePort)) errors.push(invalid(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated'));
        taken.add(p.nodePort);
      }
    });
    for (const p of spec.ports ?? []) {
      if (p.nodePort) continue;
      const port = pickPort(lo, hi, taken, config.random);
      if (port === undefined) errors.push(invalid('spec.ports', [], 'failed to allocate a nodePort: range is full'));
      else {
        p.nodePort = port;
        taken.add(port);
      }
    }
  }
  if (errors.length) throw new InvalidObjectError('Service', out.metadata?.name ?? '', errors);
  return out;
}

function pickIP(config: AllocatorConfig, used: UsedResources): string | undefined {
  const cidr = parseCIDR(config.serviceCIDRs[0] ?? '');
  if (!cidr) return undefined;
  // Skip the network address (and the broadcast address for IPv4), as upstream's range allocator.
  const usable = cidr.size - (cidr.family === 'IPv4' ? 2n : 1n);
  const limit = usable > 1n << 20n ? 1n << 20n : usable;
  const start = BigInt(Math.floor(config.random() * Number(limit)));
  for (let i = 0n; i < limit; i++) {
    const ip = formatIP(cidrAddress(cidr, 1n + ((start + i) % limit))!);
    if (!used.ips.has(ip)) return ip;
  }
  return undefined;
}

function pickPort(lo: number, hi: number, taken: ReadonlySet<number>, random: () => number): number | undefined {
  const n = hi - lo + 1;
  const start = Math.floor(random() * n);
  for (let i = 0; i < n; i++) {
    const port = lo + ((start + i) % n);
    if (!taken.has(port)) return port;
  }
  return undefined;
}
