import type { EndpointSlice, Pod, Service } from '@svcnet/model';
import { objectKey, sliceServiceKey } from '@svcnet/model';
import { type RecordIndexOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { type NameNode, type PtrEntry, type ServiceRecords, canonicalAddress, serviceRecords } from './serviceRecords.js';

/** Namespaces every Kubernetes API server has: they exist even when they hold nothing svcnet sees. */
const BUILTIN_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);
const EMPTY: ServiceRecords = { names: new Map(), ptrs: new Map() };
/** objectKey in lower case: DNS names compare without case. */
const lowerKey = (obj: Service | EndpointSlice | Pod): string => objectKey(obj).toLowerCase();

/**
 * The cluster zone's records, kept per Service so that a change to one Service, EndpointSlice or
 * Pod recomputes that Service's names only (CoreDNS rebuilds nothing either: it indexes objects and
 * computes answers per query; here answers are data, so the server can encode each once).
 *
 * Contract: `names` maps every name that has records (lower case, no trailing dot) to its node; a
 * node object is replaced, never mutated, when its Service changes, so per-node caches stay valid
 * for as long as the node is in the map.
 */
export class RecordIndex {
  readonly options: ResolvedOptions;
  /** SOA serial; the view sets it to the time of the last change (CoreDNS: APIConn.Modified). */
  serial = 1;
  /** False until the first list of every watched kind is in (CoreDNS: HasSynced). */
  synced = false;
  /** Bumped on every change: a cheap staleness check for caches outside the nodes. */
  version = 0;

  readonly names = new Map<string, NameNode>();
  private readonly services = new Map<string, Service>();
  private readonly slicesBySvc = new Map<string, Map<string, EndpointSlice>>();
  private readonly sliceOwner = new Map<string, string>();
  private readonly contributed = new Map<string, ServiceRecords>();
  /** PTR contributions per address; usually one, so an array rather than a Map per address. */
  private readonly ptrs = new Map<string, { svcKey: string; e: PtrEntry }[]>();
  private readonly nsCounts = new Map<string, number>();
  private readonly pods = new Map<string, { ns: string; ips: string[] }>();
  private readonly podsByIP = new Map<string, Map<string, string>>();

  constructor(options: RecordIndexOptions = {}) {
    this.options = resolveOptions(options);
  }

  /** Builds an index from plain arrays (what `svcnet render dns` and tests do). */
  static from(
    objects: { services?: readonly Service[]; endpointSlices?: readonly EndpointSlice[]; pods?: readonly Pod[] },
    options: RecordIndexOptions = {},
  ): RecordIndex {
    const idx = new RecordIndex(options);
    for (const s of objects.endpointSlices ?? []) idx.upsertEndpointSlice(s);
    for (const p of objects.pods ?? []) idx.upsertPod(p);
    for (const s of objects.services ?? []) idx.upsertService(s);
    idx.synced = true;
    return idx;
  }

  get serviceCount(): number {
    return this.services.size;
  }

  upsertService(svc: Service): void {
    const key = lowerKey(svc);
    if (!this.services.has(key)) this.countNs(key.split('/')[0]!, 1);
    this.services.set(key, svc);
    this.rebuild(key);
  }

  deleteService(namespace: string, name: string): void {
    const key = `${namespace.toLowerCase()}/${name.toLowerCase()}`;
    if (!this.services.delete(key)) return;
    this.countNs(namespace.toLowerCase(), -1);
    this.rebuild(key);
  }

  upsertEndpointSlice(slice: EndpointSlice): void {
    const sliceKey = lowerKey(slice);
    const owner = sliceServiceKey(slice)?.toLowerCase();
    const previous = this.sliceOwner.get(sliceKey);
    if (previous && previous !== owner) this.removeSlice(sliceKey, previous);
    if (!owner) return;
    this.sliceOwner.set(sliceKey, owner);
    let m = this.slicesBySvc.get(owner);
    if (!m) this.slicesBySvc.set(owner, (m = new Map()));
    m.set(sliceKey, slice);
    this.rebuild(owner);
  }

  deleteEndpointSlice(namespace: string, name: string): void {
    const sliceKey = `${namespace.toLowerCase()}/${name.toLowerCase()}`;
    const owner = this.sliceOwner.get(sliceKey);
    if (owner) this.removeSlice(sliceKey, owner);
  }

  upsertPod(pod: Pod): void {
    const key = lowerKey(pod);
    this.deletePodKey(key);
    if (pod.metadata?.deletionTimestamp) return;
    const ns = key.split('/')[0]!;
    const raw = pod.status?.podIPs?.map((p) => p.ip ?? '') ?? (pod.status?.podIP ? [pod.status.podIP] : []);
    const ips = raw.map((ip) => canonicalAddress(ip)).filter((ip): ip is string => ip !== undefined);
    this.pods.set(key, { ns, ips });
    this.countNs(ns, 1);
    for (const ip of ips) {
      let m = this.podsByIP.get(ip);
      if (!m) this.podsByIP.set(ip, (m = new Map()));
      m.set(key, ns);
    }
    this.version++;
  }

  deletePod(namespace: string, name: string): void {
    this.deletePodKey(`${namespace.toLowerCase()}/${name.toLowerCase()}`);
  }

  /** Replaces every object of one kind (a relist after the watch expired). */
  replaceAll(kind: 'Service' | 'EndpointSlice' | 'Pod', items: readonly (Service | EndpointSlice | Pod)[]): void {
    const keep = new Set(items.map(lowerKey));
    if (kind === 'Service') {
      for (const k of [...this.services.keys()]) if (!keep.has(k)) this.deleteService(...split(k));
      for (const s of items) this.upsertService(s as Service);
    } else if (kind === 'EndpointSlice') {
      for (const k of [...this.sliceOwner.keys()]) if (!keep.has(k)) this.deleteEndpointSlice(...split(k));
      for (const s of items) this.upsertEndpointSlice(s as EndpointSlice);
    } else {
      for (const k of [...this.pods.keys()]) if (!keep.has(k)) this.deletePod(...split(k));
      for (const p of items) this.upsertPod(p as Pod);
    }
  }

  /** True when the namespace is exposed (`namespaces`) and holds a Service or Pod or is built in (CoreDNS: namespaceExposed). */
  namespaceExposed(ns: string): boolean {
    if (this.options.namespaces.size > 0 && !this.options.namespaces.has(ns)) return false;
    return (this.nsCounts.get(ns) ?? 0) > 0 || BUILTIN_NAMESPACES.has(ns);
  }

  /** PTR targets of an address: its ClusterIP's Service name, else every endpoint name it has. */
  ptrTargets(ip: string): string[] {
    const refs = this.ptrs.get(ip);
    if (!refs) return [];
    for (const r of refs) if (r.e.cluster) return [r.e.targets[0]!];
    const out: string[] = [];
    for (const r of refs) for (const t of r.e.targets) if (!out.includes(t)) out.push(t);
    return out;
  }

  /** True when a Pod with this address lives in the namespace (pods verified). */
  podExists(ip: string, ns: string): boolean {
    for (const podNs of this.podsByIP.get(ip)?.values() ?? []) if (podNs === ns) return true;
    return false;
  }

  /** Every address with a PTR record, for zone rendering. */
  ptrAddresses(): IterableIterator<string> {
    return this.ptrs.keys();
  }

  private removeSlice(sliceKey: string, owner: string): void {
    this.sliceOwner.delete(sliceKey);
    const m = this.slicesBySvc.get(owner);
    m?.delete(sliceKey);
    if (m && m.size === 0) this.slicesBySvc.delete(owner);
    this.rebuild(owner);
  }

  private deletePodKey(key: string): void {
    const p = this.pods.get(key);
    if (!p) return;
    this.pods.delete(key);
    this.countNs(p.ns, -1);
    for (const ip of p.ips) {
      const m = this.podsByIP.get(ip);
      m?.delete(key);
      if (m && m.size === 0) this.podsByIP.delete(ip);
    }
    this.version++;
  }

  private countNs(ns: string, d: number): void {
    const n = (this.nsCounts.get(ns) ?? 0) + d;
    if (n > 0) this.nsCounts.set(ns, n);
    else this.nsCounts.delete(ns);
  }

  /** Recomputes one Service's names and PTRs: work proportional to that Service. */
  private rebuild(svcKey: string): void {
    this.version++;
    const old = this.contributed.get(svcKey) ?? EMPTY;
    for (const [name, n] of old.names) if (this.names.get(name) === n) this.names.delete(name);
    for (const ip of old.ptrs.keys()) {
      const refs = this.ptrs.get(ip)?.filter((r) => r.svcKey !== svcKey);
      if (refs && refs.length > 0) this.ptrs.set(ip, refs);
      else this.ptrs.delete(ip);
    }
    const svc = this.services.get(svcKey);
    if (!svc) {
      this.contributed.delete(svcKey);
      return;
    }
    const recs = serviceRecords(svc, [...(this.slicesBySvc.get(svcKey)?.values() ?? [])], this.options);
    this.contributed.set(svcKey, recs);
    for (const [name, n] of recs.names) this.names.set(name, n);
    for (const [ip, e] of recs.ptrs) {
      const refs = this.ptrs.get(ip);
      if (refs) refs.push({ svcKey, e });
      else this.ptrs.set(ip, [{ svcKey, e }]);
    }
  }
}

function split(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}
