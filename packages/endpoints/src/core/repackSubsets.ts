import type { CoreEndpointPort, EndpointAddress, EndpointSubset } from '@svcnet/model';

/**
 * endpoints.RepackSubsets (pkg/api/v1/endpoints/util.go): expands subsets to (address, port, ready)
 * triples and packs them back into the canonical layout, one subset per distinct set of addresses
 * with every port those addresses share. Addresses are de-duplicated by IP + targetRef UID; "not
 * ready" trumps "ready" for the same address and port; a subset without ports is kept (upstream's
 * port -1 sentinel) and comes out with no ports.
 *
 * Order: addresses by IP bytes then UID, exactly as upstream. Upstream orders ports and subsets by an
 * md5 of a spew dump that includes pointer addresses, so its order is not stable across processes;
 * we order them by their canonical JSON instead, which is stable and content-only.
 */
export function repackSubsets(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  const allAddrs = new Map<string, EndpointAddress>();
  // port key -> (address -> ready)
  const portToAddrReady = new Map<string, { port: CoreEndpointPort | undefined; addrs: Map<EndpointAddress, boolean> }>();

  const mapAddress = (addr: EndpointAddress, port: CoreEndpointPort | undefined, ready: boolean) => {
    const key = `${addr.ip}\u0000${addr.targetRef?.uid ?? ''}`;
    let existing = allAddrs.get(key);
    if (!existing) {
      existing = { ...addr };
      allAddrs.set(key, existing);
    }
    const pkey = port ? portKey(port) : '\u0000sentinel';
    let entry = portToAddrReady.get(pkey);
    if (!entry) {
      entry = { port, addrs: new Map() };
      portToAddrReady.set(pkey, entry);
    }
    const was = entry.addrs.get(existing);
    if (was === undefined || was) entry.addrs.set(existing, ready);
  };

  for (const subset of subsets) {
    const ports: (CoreEndpointPort | undefined)[] = subset.ports?.length ? subset.ports : [undefined];
    for (const port of ports) {
      for (const a of subset.addresses ?? []) mapAddress(a, port, true);
      for (const a of subset.notReadyAddresses ?? []) mapAddress(a, port, false);
    }
  }

  // Group ports by the identical (address, ready) set they are offered on.
  const groups = new Map<string, { addrs: Map<EndpointAddress, boolean>; ports: CoreEndpointPort[] }>();
  for (const { port, addrs } of portToAddrReady.values()) {
    const key = addressSetKey(addrs);
    let g = groups.get(key);
    if (!g) {
      g = { addrs, ports: [] };
      groups.set(key, g);
    }
    if (port && (port.port ?? 0) > 0) g.ports.push(port);
  }

  const final: EndpointSubset[] = [];
  for (const { addrs, ports } of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [addr, r] of addrs) (r ? ready : notReady).push(addr);
    const subset: EndpointSubset = {};
    if (ready.length) subset.addresses = ready;
    if (notReady.length) subset.notReadyAddresses = notReady;
    if (ports.length) subset.ports = ports;
    final.push(subset);
  }
  return sortSubsets(final);
}

/** SortSubsets: sorts addresses and ports inside each subset, then the subsets; in place, returns its input. */
export function sortSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  for (const s of subsets) {
    s.addresses?.sort(compareEndpointAddress);
    s.notReadyAddresses?.sort(compareEndpointAddress);
    s.ports?.sort((a, b) => cmp(portKey(a), portKey(b)));
  }
  if (subsets.length < 2) return subsets;
  const keyed = subsets.map((s) => ({ s, k: JSON.stringify(s) }));
  keyed.sort((a, b) => cmp(a.k, b.k));
  for (let i = 0; i < keyed.length; i++) subsets[i] = keyed[i]!.s;
  return subsets;
}

/** LessEndpointAddress as a comparator: IP bytes, then targetRef UID (no targetRef first). */
export function compareEndpointAddress(a: EndpointAddress, b: EndpointAddress): number {
  const c = cmp(a.ip, b.ip);
  if (c !== 0) return c;
  if (!a.targetRef && !b.targetRef) return 0;
  if (!b.targetRef) return 1;
  if (!a.targetRef) return -1;
  return cmp(a.targetRef.uid ?? '', b.targetRef.uid ?? '');
}

function portKey(p: CoreEndpointPort): string {
  return `${p.name ?? ''}\u0000${p.port}\u0000${p.protocol ?? ''}\u0000${p.appProtocol ?? '\u0001'}`;
}

function addressSetKey(addrs: Map<EndpointAddress, boolean>): string {
  const list = [...addrs.keys()].sort(compareEndpointAddress);
  return list.map((a) => `${a.ip}\u0000${a.targetRef?.uid ?? ''}\u0000${addrs.get(a) ? 1 : 0}`).join('\u0001');
}

/** Byte order for ASCII strings (what Go's bytes.Compare and string < give). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
