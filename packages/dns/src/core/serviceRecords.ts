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
 * The address is canonical; its family is `isV6(item)` (a field for it was ~0.9 MB of the index
 * at 10,000 Services x 10 endpoints, issue 18).
 */
export interface Item {
  ip: string;
  port: number;
  target: string;
}

/** Whether an Item's (canonical) address is IPv6: only IPv6 text has a colon. */
export function isV6(item: Item): boolean {
  return item.ip.includes(':');
}

/** What a name's addresses answer for PTR questions (CoreDNS reverse.go serviceRecordForIP). */
export const PTR_NONE = 0;
/** The name is a Service's and its addresses are ClusterIPs: answered before any endpoint's. */
export const PTR_CLUSTER = 1;
/** The name is an endpoint's (`<hostname>.<service>...`): its addresses answer with it. */
export const PTR_ENDPOINT = 2;
export type PtrRole = typeof PTR_NONE | typeof PTR_CLUSTER | typeof PTR_ENDPOINT;

/**
 * The records of one owner name. An ExternalName Service's name has an `alias` and no items.
 * `items` is the one Item itself when there is one (most names: a ClusterIP Service, its
 * `_port._proto` name, each endpoint), else an array of exactly their number (issue 18: an array
 * per name cost ~56 bytes at 100,000s of names). Read it with `itemsOf`.
 */
export interface NameNode {
  /** The owner name, lower case, no trailing dot: a flat string, the same one items targeting it hold. */
  name: string;
  items: Item | readonly Item[];
  /** Whether (and how) this name is the PTR target of its items' addresses. */
  ptr: PtrRole;
  alias?: string;
  /** Encoded answers per question type, filled by the server on first use (see Responder). */
  wire?: Map<number, unknown>;
}

/**
 * Everything one Service (with its EndpointSlices) contributes to the zone: its names. PTR records
 * are not kept apart: the index finds them from the names' addresses and `ptr` roles.
 */
export type ServiceRecords = readonly NameNode[];

const NO_ITEMS: readonly Item[] = Object.freeze([]);

/** A node's items as an array (allocates for a one-item node: for the miss path, not per query hit). */
export function itemsOf(n: NameNode): readonly Item[] {
  const it = n.items;
  return Array.isArray(it) ? it : [it as Item];
}

export function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === 'None' || svc.spec?.clusterIPs?.[0] === 'None';
}

interface ReadyAddress {
  ip: string;
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
        out.push({ ip, hostname: endpointHostname(ep, ip, o), ports });
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

/** A name while its Service's records are built: items grown by push, made exact by serviceRecords. */
interface Building {
  name: string;
  items: Item[];
  ptr: PtrRole;
}

function node(names: Map<string, Building>, name: string, ptr: PtrRole = PTR_NONE): Building {
  let n = names.get(name);
  if (!n) {
    n = { name, items: [], ptr };
    names.set(name, n);
  }
  return n;
}

/**
 * The records of one Service, as CoreDNS's findServices answers them: the Service name, its
 * `_<port>._<proto>` names, and one name per ready endpoint hostname, in that order of first use.
 */
export function serviceRecords(
  svc: Service,
  slices: readonly EndpointSlice[],
  o: ResolvedOptions,
): ServiceRecords {
  const out: NameNode[] = [];
  const ext = externalName(svc, o);
  if (ext) return [ext];
  for (const b of buildNames(svc, slices, o).values()) {
    // Kept until the Service changes, so in their smallest form: the Item itself when there is one,
    // else an exact copy (an array grown by push reserves room for 17; issue 18).
    const items = b.items.length === 1 ? b.items[0]! : b.items.length === 0 ? NO_ITEMS : b.items.slice();
    out.push({ name: b.name, items, ptr: b.ptr });
  }
  return out;
}

/** `<name>.<namespace>.svc.<zone>` as one flat string (a template literal makes a rope of 5 parts). */
function serviceName(svc: Service, o: ResolvedOptions): string | undefined {
  const ns = (svc.metadata?.namespace ?? 'default').toLowerCase();
  const name = (svc.metadata?.name ?? '').toLowerCase();
  if (!name || (o.namespaces.size > 0 && !o.namespaces.has(ns))) return undefined;
  return [name, ns, 'svc', o.zone].join('.');
}

function externalName(svc: Service, o: ResolvedOptions): NameNode | undefined {
  if (svc.spec?.type !== 'ExternalName') return undefined;
  const base = serviceName(svc, o);
  const ext = (svc.spec.externalName ?? '').toLowerCase().replace(/\.$/, '');
  // An IP in externalName is not a CNAME target: CoreDNS answers nothing (NXDOMAIN).
  if (!base || !ext || canonicalAddress(ext)) return undefined;
  return { name: base, items: NO_ITEMS, ptr: PTR_NONE, alias: ext };
}

function buildNames(svc: Service, slices: readonly EndpointSlice[], o: ResolvedOptions): Map<string, Building> {
  const names = new Map<string, Building>();
  const base = serviceName(svc, o);
  if (!base || svc.spec?.type === 'ExternalName') return names;
  const ready = readyAddresses(slices, o);
  const headless = isHeadless(svc);
  const all = headless && ready.length > 0 ? node(names, base) : undefined;
  // Endpoint names exist for every Service with endpoints (CoreDNS answers them for ClusterIP too).
  // One Item object per (address, port) is shared by every name that answers it; each endpoint
  // name is the PTR target of its addresses (CoreDNS reverse.go: computed from the endpoints).
  for (const a of ready) {
    const n = node(names, [a.hostname, base].join('.'), PTR_ENDPOINT);
    for (const p of a.ports) {
      const item: Item = { ip: a.ip, port: p.port, target: n.name };
      n.items.push(item);
      if (!all) continue;
      all.items.push(item);
      if (p.name) node(names, [`_${p.name}`, `_${p.protocol}`, base].join('.')).items.push(item);
    }
  }
  if (headless) return names;

  const ports = svc.spec?.ports ?? [];
  if (ports.length === 0) return names;
  if (o.ignoreEmptyService && ready.length === 0) return new Map();
  const ips: string[] = [];
  for (const raw of svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : [])) {
    const ip = canonicalAddress(raw);
    if (ip && !ips.includes(ip)) ips.push(ip);
  }
  // The Service's name is the PTR target of its ClusterIPs (every port lists every address).
  const svcNode = node(names, base, PTR_CLUSTER);
  for (const p of ports) {
    const portName = (p.name ?? '').toLowerCase();
    const named = portName ? node(names, [`_${portName}`, `_${(p.protocol ?? 'TCP').toLowerCase()}`, base].join('.')) : undefined;
    for (const ip of ips) {
      const item: Item = { ip, port: p.port, target: base };
      svcNode.items.push(item);
      named?.items.push(item);
    }
  }
  return names;
}
