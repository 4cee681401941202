import type { Endpoint, EndpointPort } from './objects.js';

/**
 * The identity of an endpoint inside a slice (upstream's hashEndpoint, endpointset.go): its sorted
 * addresses, hostname and the targetRef's namespace/name. Conditions, zone and nodeName are not part
 * of it, so that their changes become in-place updates.
 */
export function endpointKey(endpoint: Endpoint): string {
  const given = endpoint.addresses ?? [];
  // One address (nearly every endpoint) needs no sorted copy.
  const addrs = given.length === 1 ? given[0]! : [...given].sort().join(',');
  const ref = endpoint.targetRef;
  return `${addrs}|${endpoint.hostname ?? ''}|${ref?.namespace ?? ''}/${ref?.name ?? ''}`;
}

/**
 * EndpointSet: endpoints by key. Upstream's PopAny takes a random map entry; we pop the smallest key
 * so that a reconcile is a function of its inputs (same pods and slices -> same slices).
 */
export class EndpointSet {
  private readonly byKey = new Map<string, Endpoint>();
  private sortedKeys: string[] | undefined;

  insert(endpoint: Endpoint): void {
    this.byKey.set(endpointKey(endpoint), endpoint);
    this.sortedKeys = undefined;
  }
  get(endpoint: Endpoint): Endpoint | undefined {
    return this.byKey.get(endpointKey(endpoint));
  }
  delete(endpoint: Endpoint): void {
    this.byKey.delete(endpointKey(endpoint));
  }
  get size(): number {
    return this.byKey.size;
  }
  popAny(): Endpoint | undefined {
    if (!this.sortedKeys) this.sortedKeys = [...this.byKey.keys()].sort().reverse();
    while (this.sortedKeys.length) {
      const key = this.sortedKeys.pop()!;
      const ep = this.byKey.get(key);
      if (ep) {
        this.byKey.delete(key);
        return ep;
      }
    }
    return undefined;
  }
  values(): IterableIterator<Endpoint> {
    return this.byKey.values();
  }
}

/** EndpointsEqualBeyondHash: nodeName, zone, the three conditions and targetRef (ignoring its resourceVersion). */
export function endpointsEqualBeyondHash(a: Endpoint, b: Endpoint): boolean {
  if ((a.nodeName ?? null) !== (b.nodeName ?? null)) return false;
  if ((a.zone ?? null) !== (b.zone ?? null)) return false;
  if ((a.conditions?.ready ?? null) !== (b.conditions?.ready ?? null)) return false;
  if ((a.conditions?.serving ?? null) !== (b.conditions?.serving ?? null)) return false;
  if ((a.conditions?.terminating ?? null) !== (b.conditions?.terminating ?? null)) return false;
  const x = a.targetRef;
  const y = b.targetRef;
  if (!x || !y) return !x === !y;
  return (
    (x.kind ?? '') === (y.kind ?? '') &&
    (x.namespace ?? '') === (y.namespace ?? '') &&
    (x.name ?? '') === (y.name ?? '') &&
    (x.uid ?? '') === (y.uid ?? '') &&
    (x.apiVersion ?? '') === (y.apiVersion ?? '') &&
    (x.fieldPath ?? '') === (y.fieldPath ?? '')
  );
}

function portString(p: EndpointPort): string {
  return `${p.name ?? '\u0001'}\u0000${p.port ?? '\u0001'}\u0000${p.protocol ?? '\u0001'}\u0000${p.appProtocol ?? '\u0001'}`;
}

/** Sorts ports into the one order used for keys and slices (upstream sorts by a hash of each port). */
export function sortPorts(ports: EndpointPort[]): EndpointPort[] {
  return ports.sort((a, b) => {
    const x = portString(a);
    const y = portString(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** NewPortMapKey: the identity of a set of ports, regardless of order. */
export function portMapKey(ports: readonly EndpointPort[] | undefined): string {
  return (ports ?? []).map(portString).sort().join('\u0002');
}
