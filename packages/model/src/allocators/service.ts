import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { cidrContains, parseCIDR } from '../net/cidr.js';
import { formatIP, parseIP, type IPFamily } from '../net/ip.js';
import { allocateClusterIP, notInRange } from './clusterIP.js';
import { AllocationError } from './errors.js';
import { allocateNodePort } from './nodePort.js';

/** What allocation needs to know about the cluster: its configuration plus everything already taken. */
export interface ServiceAllocationState {
  /** Service CIDRs, primary family first (`--service-cluster-ip-range`, comma-split). */
  readonly serviceCIDRs: readonly string[];
  /** `--service-node-port-range`, e.g. `30000-32767`. */
  readonly nodePortRange: string;
  readonly usedIPs: ReadonlySet<string>;
  readonly usedNodePorts: ReadonlySet<number>;
  /**
   * A reader's allocation (svcnet render, dns serve): addresses a manifest already carries were
   * allocated by some cluster, so a requested ClusterIP outside every range, or of a family no range
   * has, and a requested NodePort outside the range, are taken as they are (each still only once).
   * The API server (the default) refuses them.
   */
  readonly keepRequested?: boolean;
}

export interface ServiceAllocation {
  /** A copy of the Service with clusterIP(s), ipFamilies, ipFamilyPolicy, nodePorts and healthCheckNodePort filled in. */
  readonly service: Service;
  /** Addresses this call reserved (requested or picked). */
  readonly ips: string[];
  /** Ports this call reserved. */
  readonly nodePorts: number[];
}

const isHeadless = (s: Service) => s.spec?.clusterIP === 'None' || s.spec?.clusterIPs?.[0] === 'None';

function inPortRange(range: string, port: number): boolean {
  const [lo, hi] = range.split('-').map(Number);
  return lo !== undefined && hi !== undefined && port >= lo && port <= hi;
}

function shouldAllocateNodePorts(s: Service): boolean {
  const type = s.spec?.type ?? 'ClusterIP';
  if (type === 'NodePort') return true;
  if (type === 'LoadBalancer') return s.spec?.allocateLoadBalancerNodePorts !== false;
  return false;
}

function needsHealthCheckNodePort(s: Service): boolean {
  return s.spec?.type === 'LoadBalancer' && s.spec.externalTrafficPolicy === 'Local';
}

function familiesFor(s: Service, requested: readonly string[], cidrFamilies: readonly IPFamily[]): IPFamily[] {
  const spec = s.spec ?? {};
  // upstream special case: a headless Service without a selector takes whatever families the cluster
  // has (its Endpoints are written by hand and may hold either), and RequireDualStack is not an error.
  if (isHeadless(s) && !Object.keys(spec.selector ?? {}).length) {
    const given = (spec.ipFamilies ?? []).filter((f): f is IPFamily => f === 'IPv4' || f === 'IPv6');
    const fams = given.length ? given : [...cidrFamilies];
    const dual = spec.ipFamilyPolicy === 'PreferDualStack' || spec.ipFamilyPolicy === 'RequireDualStack';
    return dual ? fams.concat(cidrFamilies.filter((f) => !fams.includes(f))) : fams.slice(0, 1);
  }
  let families: IPFamily[];
  if (spec.ipFamilies?.length) families = spec.ipFamilies.filter((f): f is IPFamily => f === 'IPv4' || f === 'IPv6');
  else if (requested.length && requested.every((ip) => parseIP(ip))) families = requested.map((ip) => parseIP(ip)!.family);
  else families = cidrFamilies.length ? [cidrFamilies[0]!] : ['IPv4'];
  const policy = spec.ipFamilyPolicy;
  if ((policy === 'PreferDualStack' || policy === 'RequireDualStack') && families.length === 1) {
    const other: IPFamily = families[0] === 'IPv4' ? 'IPv6' : 'IPv4';
    if (cidrFamilies.includes(other)) families.push(other);
    else if (policy === 'RequireDualStack') {
      throw new AllocationError('FamilyNotConfigured', 'this cluster is not configured for dual-stack services', 'spec.ipFamilyPolicy', policy);
    }
  }
  return families;
}

function allocateIPs(svc: Service, state: ServiceAllocationState, used: Set<string>, random: () => number): string[] {
  const spec = svc.spec!;
  const requested = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  const cidrs = state.serviceCIDRs.map((c) => ({ text: c, cidr: parseCIDR(c) }));
  for (const c of cidrs) if (!c.cidr) throw new AllocationError('InvalidRange', `invalid service CIDR ${JSON.stringify(c.text)}`);
  const cidrFamilies = [...new Set(cidrs.map((c) => c.cidr!.family))];
  const families = familiesFor(svc, requested, cidrFamilies);
  spec.ipFamilies = families;
  spec.ipFamilyPolicy ??= families.length === 1 ? 'SingleStack' : 'RequireDualStack';
  if (isHeadless(svc)) {
    spec.clusterIP = 'None';
    spec.clusterIPs = ['None'];
    return [];
  }
  const ips: string[] = [];
  families.forEach((family, i) => {
    const field = `spec.clusterIPs[${i}]`;
    const ranges = cidrs.filter((c) => c.cidr!.family === family).map((c) => c.text);
    const want = requested[i];
    const kept = state.keepRequested && want ? keptAddress(want, family, ranges, used) : undefined;
    if (kept) {
      used.add(kept);
      ips.push(kept);
      return;
    }
    if (ranges.length === 0) {
      throw new AllocationError('FamilyNotConfigured', `${family} is not configured on this cluster`, `spec.ipFamilies[${i}]`, family);
    }
    let ip: string | undefined;
    if (want) {
      const parsed = parseIP(want);
      if (!parsed || parsed.family !== family) throw notInRange(want, ranges.join(',')).at(field, want);
      const home = ranges.find((r) => cidrContains(r, parsed)) ?? ranges[0]!;
      try {
        ip = allocateClusterIP(home, used, want);
      } catch (e) {
        throw e instanceof AllocationError ? e.at(field, want) : e;
      }
    } else {
      for (const r of ranges) {
        try {
          ip = allocateClusterIP(r, used, undefined, { random });
          break;
        } catch (e) {
          if (!(e instanceof AllocationError && e.code === 'RangeFull')) throw e;
        }
      }
      if (!ip) throw new AllocationError('RangeFull', `failed to allocate a serviceIP: range is full`, field, '');
    }
    used.add(ip);
    ips.push(ip);
  });
  spec.clusterIP = ips[0];
  spec.clusterIPs = ips;
  return ips;
}

/** keepRequested: `want` as it is when no range of its family holds it and nobody holds it yet; otherwise undefined (the ranges decide). */
function keptAddress(want: string, family: IPFamily, ranges: readonly string[], used: ReadonlySet<string>): string | undefined {
  const ip = parseIP(want);
  if (!ip || ip.family !== family || ranges.some((r) => cidrContains(r, ip))) return undefined;
  const text = formatIP(ip);
  return used.has(text) ? undefined : text;
}

function takePort(range: string, used: Set<number>, field: string, requested: number | undefined, random: () => number, keepRequested = false): number {
  if (keepRequested && requested !== undefined && !used.has(requested) && !inPortRange(range, requested)) {
    used.add(requested);
    return requested;
  }
  try {
    const port = allocateNodePort(range, used, requested, { random });
    used.add(port);
    return port;
  } catch (e) {
    throw e instanceof AllocationError ? e.at(field, requested ?? 0) : e;
  }
}

/** upstream initNodePorts: one nodePort per port number, shared by TCP and UDP entries of that number. */
function allocatePorts(svc: Service, state: ServiceAllocationState, used: Set<number>, random: () => number): number[] {
  const ports: ServicePort[] = svc.spec!.ports ?? [];
  const allocate = shouldAllocateNodePorts(svc);
  const byPort = new Map<number, number>();
  const out: number[] = [];
  ports.forEach((p, i) => {
    const field = `spec.ports[${i}].nodePort`;
    if (!p.nodePort && !allocate) return; // keep explicit requests only
    const already = byPort.get(p.port);
    if (already === undefined) {
      const requested = ports.find((q) => q.port === p.port && q.nodePort)?.nodePort;
      const port = takePort(state.nodePortRange, used, field, requested, random, state.keepRequested);
      p.nodePort = port;
      byPort.set(p.port, port);
      out.push(port);
    } else if (p.nodePort !== already) {
      if (!p.nodePort) p.nodePort = already;
      else {
        out.push(takePort(state.nodePortRange, used, field, p.nodePort, random, state.keepRequested));
      }
    }
  });
  if (needsHealthCheckNodePort(svc)) {
    const spec = svc.spec!;
    spec.healthCheckNodePort = takePort(state.nodePortRange, used, 'spec.healthCheckNodePort', spec.healthCheckNodePort || undefined, random, state.keepRequested);
    out.push(spec.healthCheckNodePort);
  }
  return out;
}

/**
 * Fills in what the API server's REST create allocates for a new Service: ClusterIPs for every
 * non-headless, non-ExternalName Service (one per family of ipFamilies; dual stack takes one address
 * per family), NodePorts for NodePort and LoadBalancer Services (unless allocateLoadBalancerNodePorts
 * is false; explicit nodePorts are always reserved), and a healthCheckNodePort for LoadBalancer
 * Services with externalTrafficPolicy Local. Pure: the input is not modified; throws AllocationError
 * (with `field`) and reserves nothing when any part fails.
 *
 * For an update, pass `usedIPs`/`usedNodePorts` without what the old object held
 * (`serviceAllocations(old)`): the new object's kept clusterIP and nodePorts are then reserved again
 * as requests, and anything the old one held but the new one dropped is free.
 */
export function allocateServiceAddresses(service: Service, state: ServiceAllocationState, random: () => number = Math.random): ServiceAllocation {
  const svc = structuredClone(service);
  svc.spec ??= {};
  const type = svc.spec.type ?? 'ClusterIP';
  const ips = type === 'ExternalName' ? [] : allocateIPs(svc, state, new Set(state.usedIPs), random);
  const nodePorts = allocatePorts(svc, state, new Set(state.usedNodePorts), random);
  return { service: svc, ips, nodePorts };
}

/** What a Service holds and what its deletion releases: its ClusterIPs and its NodePorts. */
export function serviceAllocations(service: Service): { ips: string[]; nodePorts: number[] } {
  const spec = service.spec ?? {};
  if (spec.type === 'ExternalName') return { ips: [], nodePorts: [] };
  const ips = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((ip) => ip && ip !== 'None');
  const ports = new Set<number>();
  for (const p of spec.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
  if (spec.healthCheckNodePort) ports.add(spec.healthCheckNodePort);
  return { ips, nodePorts: [...ports] };
}
