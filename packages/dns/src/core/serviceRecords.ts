import { canonicalIP, type EndpointSlice, type Service, isEndpointReady, ipFamily } from '@svcnet/model';

const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** canonicalIP with a fast path for dotted quads, which are already canonical when they parse. */
export function canonicalAddress(s: string): string | undefined {
  return DOTTED_QUAD.test(s) ? s : canonicalIP(s);
}
import type { ResolvedOptions } from './options.js';

/**
 * One answerable (address, port, target) triple, as CoreDNS's msg.Service: A/AAAA answers take the
 * addresses, SRV answers the ports and targets. Port -1 stands for "no port" (CoreDNS's sentinel).
 */
export interface Item {
  ip: string;
  v6: boolean;
  port: number;
  target: string;
}

/** The records of one owner name. An ExternalName Service's name has an `alias` and no items. */
export interface NameNode {
  svcKey: string;
  items: Item[];
  alias?: string;
  /** Encoded answers per question type, filled by the server on first use (see Responder). */
  wire?: Map<number, unknown>;
}

export interface PtrEntry {
  /** True for a ClusterIP: CoreDNS answers a ClusterIP's PTR before any endpoint's. */
  cluster: boolean;
  targets: string[];
}

/** Everything one Service (with its EndpointSlices) contributes to the zone. */
export interface ServiceRecords {
  names: Map<string, NameNode>;
  ptrs: Map<string, PtrEntry>;
}


export function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === 'None' || svc.spec?.clusterIPs?.[0] === 'None';
}

interface ReadyAddress {
  ip: string;
  v6: boolean;
  hostname: string;
  ports: { port: number; name: string; protocol: string }[];
}

/** Ready addresses of the slices, as CoreDNS's EndpointSliceToEndpoints (nil ready counts as ready). */
function readyAddresses(slices: readonly EndpointSlice[], o: ResolvedOptions): ReadyAddress[] {
  const out: ReadyAddress[] = [];
  for (const slice of slices) {
    const ports =
      slice.ports && slice.ports.length > 0
        ? slice.ports.map((p) => ({
            port: p.port ?? -1,
            name: (p.name ?? '').toLowerCase(),
            protocol: (p.protocol ?? 'TCP').toLowerCase(),
          }))
        : [{ port: -1, name: '', protocol: '' }];
    for (const ep of slice.endpoints ?? []) {
      if (!isEndpointReady(ep)) continue;
      for (const raw of ep.addresses ?? []) {
        const ip = canonicalAddress(raw);
        if (!ip) continue;
        out.push({ ip, v6: ipFamily(ip) === 'IPv6', hostname: endpointHostname(ep, ip, o), ports });
      }
    }
  }
  return out;
}

/** CoreDNS's endpointHostname: hostname, else the Pod's name (endpoint_pod_names), else the dashed IP. */
function endpointHostname(
  ep: { hostname?: string; targetRef?: { name?: string } },
  ip: string,
  o: ResolvedOptions,
): string {
  if (ep.hostname) return ep.hostname.toLowerCase();
  const pod = ep.targetRef?.name;
  if (o.endpointPodNames && pod && pod.length < 64) return pod.toLowerCase();
  return ipFamily(ip) === 'IPv6' ? ip.replaceAll(':', '-') : ip.replaceAll('.', '-');
}

function node(names: Map<string, NameNode>, name: string, svcKey: string): NameNode {
  let n = names.get(name);
  if (!n) {
    n = { svcKey, items: [] };
    names.set(name, n);
  }
  return n;
}

function addPtr(ptrs: Map<string, PtrEntry>, ip: string, target: string, cluster: boolean): void {
  const e = ptrs.get(ip);
  if (!e) ptrs.set(ip, { cluster, targets: [target] });
  else if (!e.targets.includes(target)) e.targets.push(target);
}

/**
 * The records of one Service, as CoreDNS's findServices answers them: the Service name, its
 * `_<port>._<proto>` names, and one name per ready endpoint hostname.
 */
export function serviceRecords(
  svc: Service,
  slices: readonly EndpointSlice[],
  o: ResolvedOptions,
): ServiceRecords {
  const records = buildServiceRecords(svc, slices, o);
  // Each node's items were grown by push, which reserves room for 17 (a 1-item array of 152 bytes
  // instead of 24): exact copies, since the index keeps every node until its Service changes
  // (~15 MB at 10,000 Services x 10 endpoints; issue 18).
  for (const n of records.names.values()) if (n.items.length > 0) n.items = n.items.slice();
  return records;
}

function buildServiceRecords(
  svc: Service,
  slices: readonly EndpointSlice[],
  o: ResolvedOptions,
): ServiceRecords {
  const names = new Map<string, NameNode>();
  const ptrs = new Map<string, PtrEntry>();
  const ns = (svc.metadata?.namespace ?? 'default').toLowerCase();
  const name = (svc.metadata?.name ?? '').toLowerCase();
  const svcKey = `${ns}/${name}`;
  if (!name || (o.namespaces.size > 0 && !o.namespaces.has(ns))) return { names, ptrs };
  const base = `${name}.${ns}.svc.${o.zone}`;

  if (svc.spec?.type === 'ExternalName') {
    const ext = (svc.spec.externalName ?? '').toLowerCase().replace(/\.$/, '');
    // An IP in externalName is not a CNAME target: CoreDNS answers nothing (NXDOMAIN).
    if (ext && !canonicalAddress(ext)) names.set(base, { svcKey, items: [], alias: ext });
    return { names, ptrs };
  }

  const ready = readyAddresses(slices, o);
  const headless = isHeadless(svc);
  const all = headless && ready.length > 0 ? node(names, base, svcKey) : undefined;
  // Endpoint names exist for every Service with endpoints (CoreDNS answers them for ClusterIP too).
  // One Item object per (address, port) is shared by every name that answers it.
  for (const a of ready) {
    const target = `${a.hostname}.${base}`;
    const n = node(names, target, svcKey);
    for (const p of a.ports) {
      const item: Item = { ip: a.ip, v6: a.v6, port: p.port, target };
      n.items.push(item);
      if (!all) continue;
      all.items.push(item);
      if (p.name) node(names, `_${p.name}._${p.protocol}.${base}`, svcKey).items.push(item);
    }
    addPtr(ptrs, a.ip, target, false);
  }
  if (headless) return { names, ptrs };

  const ports = svc.spec?.ports ?? [];
  if (ports.length === 0) return { names, ptrs };
  if (o.ignoreEmptyService && ready.length === 0) return { names: new Map(), ptrs: new Map() };
  const ips: string[] = [];
  for (const raw of svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : [])) {
    const ip = canonicalAddress(raw);
    if (ip && !ips.includes(ip)) ips.push(ip);
  }
  const svcNode = node(names, base, svcKey);
  for (const p of ports) {
    const portName = (p.name ?? '').toLowerCase();
    const named = portName ? node(names, `_${portName}._${(p.protocol ?? 'TCP').toLowerCase()}.${base}`, svcKey) : undefined;
    for (const ip of ips) {
      const item = { ip, v6: ipFamily(ip) === 'IPv6', port: p.port, target: base };
      svcNode.items.push(item);
      named?.items.push(item);
    }
  }
  for (const ip of ips) {
    ptrs.set(ip, { cluster: true, targets: [base] });
  }
  return { names, ptrs };
}
