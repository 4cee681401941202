import type { EndpointSlice, Pod, Service } from '@svcnet/model';
import { objectKey, sliceServiceKey } from '@svcnet/model';
import { type RecordIndexOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { type NameNode, PTR_CLUSTER, PTR_NONE, type ServiceRecords, canonicalAddress, itemsOf, serviceRecords } from './serviceRecords.js';

/** Namespaces every Kubernetes API server has: they exist even when they hold nothing svcnet sees. */
const BUILTIN_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);
const EMPTY: ServiceRecords = [];
/** objectKey in lower case: DNS names compare without case. */
const lowerKey = (obj: Service | EndpointSlice | Pod): string => objectKey(obj).toLowerCase();

/**
 * One change to what the index answers from, as a replica (a DNS worker) applies it: a Service's
 * names (undefined: the Service is gone; plain objects and arrays, Items shared by the names that
 * answer them, which structured clone keeps shared), a Pod's addresses (for `pods verified`), or the SOA
 * serial and synced state. Plain data, so it crosses to a worker thread by structured clone.
 */
export type IndexChange =
  | { readonly kind: 'service'; readonly key: string; readonly records: ServiceRecords | undefined }
  | { readonly kind: 'pod'; readonly key: string; readonly pod: { readonly ns: string; readonly ips: readonly string[] } | undefined }
  | { readonly kind: 'state'; readonly serial: number; readonly synced: boolean };


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
  /** Bumped on every change: a cheap staleness check for caches outside the nodes. */
  version = 0;
  /**
   * Told every change, for replicas (DNS workers: see server/dnsWorkers.ts). A replica that applies
   * these with `apply`, after `changes()` for the state so far, answers as this index does.
   */
  onChange: ((c: IndexChange) => void) | undefined;
  private serialValue = 1;
  private syncedValue = false;

  readonly names = new Map<string, NameNode>();
  private readonly services = new Map<string, Service>();
  private readonly slicesBySvc = new Map<string, Map<string, EndpointSlice>>();
  private readonly sliceOwner = new Map<string, string>();
  private readonly contributed = new Map<string, ServiceRecords>();
  /**
   * PTR targets per address, as the names themselves (the node, or an array when several names
   * have the address): ClusterIPs apart from endpoint addresses, since a ClusterIP answers first.
   * CoreDNS keeps no PTR records either (reverse.go computes them from its Service and endpoint
   * indexes); here a reference per address replaces round 1's entry objects and target arrays.
   */
  private readonly clusterPtrs = new Map<string, NameNode | NameNode[]>();
  private readonly endpointPtrs = new Map<string, NameNode | NameNode[]>();
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

  /** SOA serial; the view sets it to the time of the last change (CoreDNS: APIConn.Modified). */
  get serial(): number {
    return this.serialValue;
  }

  set serial(v: number) {
    this.serialValue = v;
    this.onChange?.({ kind: 'state', serial: v, synced: this.syncedValue });
  }

  /** False until the first list of every watched kind is in (CoreDNS: HasSynced). */
  get synced(): boolean {
    return this.syncedValue;
  }

  set synced(v: boolean) {
    this.syncedValue = v;
    this.onChange?.({ kind: 'state', serial: this.serialValue, synced: v });
  }

  /** The whole state as changes: what a new replica applies first. */
  changes(): IndexChange[] {
    const out: IndexChange[] = [];
    for (const [key, records] of this.contributed) out.push({ kind: 'service', key, records: bare(records) });
    for (const [key, pod] of this.pods) out.push({ kind: 'pod', key, pod });
    out.push({ kind: 'state', serial: this.serialValue, synced: this.syncedValue });
    return out;
  }

  /**
   * Applies a change told by another index's `onChange` (or `changes()`): a replica holds the
   * records it answers from and the Pod addresses, never the Services, slices or Pods themselves.
   */
  apply(c: IndexChange): void {
    if (c.kind === 'state') {
      this.serialValue = c.serial;
      this.syncedValue = c.synced;
      this.version++;
    } else if (c.kind === 'pod') {
      this.deletePodKey(c.key);
      if (c.pod) this.addPod(c.key, c.pod.ns, [...c.pod.ips]);
    } else {
      const had = this.contributed.has(c.key);
      if (had !== (c.records !== undefined)) this.countNs(c.key.split('/')[0]!, c.records ? 1 : -1);
      this.version++;
      if (c.records) for (const n of c.records) adopt(n);
      this.install(c.key, c.records);
    }
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
    if (pod.metadata?.deletionTimestamp) {
      this.onChange?.({ kind: 'pod', key, pod: undefined });
      return;
    }
    const ns = key.split('/')[0]!;
    const raw = pod.status?.podIPs?.map((p) => p.ip ?? '') ?? (pod.status?.podIP ? [pod.status.podIP] : []);
    const ips = raw.map((ip) => canonicalAddress(ip)).filter((ip): ip is string => ip !== undefined);
    this.addPod(key, ns, ips);
    this.onChange?.({ kind: 'pod', key, pod: { ns, ips } });
  }

  private addPod(key: string, ns: string, ips: string[]): void {
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
    const key = `${namespace.toLowerCase()}/${name.toLowerCase()}`;
    if (!this.pods.has(key)) return;
    this.deletePodKey(key);
    this.onChange?.({ kind: 'pod', key, pod: undefined });
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
    const cluster = this.clusterPtrs.get(ip);
    if (cluster) return [Array.isArray(cluster) ? cluster[0]!.name : cluster.name];
    const eps = this.endpointPtrs.get(ip);
    if (!eps) return [];
    if (!Array.isArray(eps)) return [eps.name];
    const out: string[] = [];
    for (const n of eps) if (!out.includes(n.name)) out.push(n.name);
    return out;
  }

  /** True when a Pod with this address lives in the namespace (pods verified). */
  podExists(ip: string, ns: string): boolean {
    for (const podNs of this.podsByIP.get(ip)?.values() ?? []) if (podNs === ns) return true;
    return false;
  }

  /** Every address with a PTR record, for zone rendering. */
  *ptrAddresses(): IterableIterator<string> {
    yield* this.clusterPtrs.keys();
    for (const ip of this.endpointPtrs.keys()) if (!this.clusterPtrs.has(ip)) yield ip;
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
    const svc = this.services.get(svcKey);
    const recs = svc ? serviceRecords(svc, [...(this.slicesBySvc.get(svcKey)?.values() ?? [])], this.options) : undefined;
    this.install(svcKey, recs);
    this.onChange?.({ kind: 'service', key: svcKey, records: recs });
  }

  /** Replaces one Service's contribution to the names and PTRs (undefined: it has none now). */
  private install(svcKey: string, recs: ServiceRecords | undefined): void {
    const old = this.contributed.get(svcKey) ?? EMPTY;
    for (const n of old) {
      if (this.names.get(n.name) === n) this.names.delete(n.name);
      if (n.ptr !== PTR_NONE) for (const ip of addressesOf(n)) unlink(n.ptr === PTR_CLUSTER ? this.clusterPtrs : this.endpointPtrs, ip, n);
    }
    if (!recs) {
      this.contributed.delete(svcKey);
      return;
    }
    this.contributed.set(svcKey, recs);
    for (const n of recs) {
      this.names.set(n.name, n);
      if (n.ptr !== PTR_NONE) for (const ip of addressesOf(n)) link(n.ptr === PTR_CLUSTER ? this.clusterPtrs : this.endpointPtrs, ip, n);
    }
  }
}

/** A node's distinct addresses (a node has one per address and port). */
function addressesOf(n: NameNode): string[] {
  const items = itemsOf(n);
  const out: string[] = [];
  for (const it of items) if (!out.includes(it.ip)) out.push(it.ip);
  return out;
}

function link(m: Map<string, NameNode | NameNode[]>, ip: string, n: NameNode): void {
  const v = m.get(ip);
  if (v === undefined) m.set(ip, n);
  else if (Array.isArray(v)) v.push(n);
  else m.set(ip, [v, n]);
}

function unlink(m: Map<string, NameNode | NameNode[]>, ip: string, n: NameNode): void {
  const v = m.get(ip);
  if (v === n) m.delete(ip);
  else if (Array.isArray(v)) {
    const rest = v.filter((x) => x !== n);
    if (rest.length === 1) m.set(ip, rest[0]!);
    else m.set(ip, rest);
  }
}

/**
 * A node as a replica received it: encoded answers are the server's own cache (a replica compiles
 * its own), and structured clone copied each string once per place it was in, so the items that
 * target the node take its name back (one string per name, as in the index that sent it).
 */
function adopt(n: NameNode): void {
  if (n.wire) delete n.wire;
  for (const it of itemsOf(n)) if (it.target === n.name) it.target = n.name;
}

/** Records without the server's encoded answers (never sent to a replica). */
function bare(r: ServiceRecords): ServiceRecords {
  if (!r.some((n) => n.wire)) return r;
  return r.map((n) => (n.wire ? { name: n.name, items: n.items, ptr: n.ptr, ...(n.alias !== undefined ? { alias: n.alias } : {}) } : n));
}

function split(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}
