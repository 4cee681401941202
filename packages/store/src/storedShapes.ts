import type { EndpointSlice, KubeObject, Service } from '@svcnet/model';

/**
 * What the store keeps per object, made small once when the object is stored (issue 18; decision
 * 018: one copy of each object, in its smallest plain form). A stored object is never mutated (a
 * write stores a new object, and informers hand the same object to every consumer), so identical
 * parts can be one shared value:
 * - an endpoint's `conditions` ({ready, serving, terminating}: a handful of combinations for
 *   100,000 endpoints) and an EndpointSlice's or Service's port entries are looked up in a table of
 *   frozen canonical values (frozen: a holder that mutated one in place would change every object
 *   sharing it, so it throws instead);
 * - enum-like strings (`kind`, `type`, `protocol`, `nodeName`...) are one string each: the Service
 *   allocator copies its input with structuredClone (model's allocateServiceAddresses), which
 *   makes a new copy of every string of every Service;
 * - arrays that admission or allocation grew by `push` (a Service's clusterIPs, ipFamilies, ports:
 *   V8 gives an array grown from empty by one push 17 slots) are copied to their exact size.
 * Only values of the write's own copy are replaced (the caller passes `next` of a non-shallow
 * write); an immutable write's nested values are its writer's and are left as they are.
 */
export class StoredShapes {
  private readonly leaves = new Map<string, object>();
  private readonly strings = new Map<string, string>();

  /** `maxEntries` bounds each table: values past it are kept as they are (a cluster with more distinct ones loses only the sharing). */
  constructor(private readonly maxEntries = 4096) {}

  /** Compacts `obj` in place (it must be the write's own copy) and returns it. */
  compact<T extends KubeObject>(obj: T): T {
    const o = obj as Mutable<KubeObject>;
    if (typeof o.kind === 'string') o.kind = this.str(o.kind);
    if (typeof o.apiVersion === 'string') o.apiVersion = this.str(o.apiVersion);
    if (o.kind === 'EndpointSlice') this.slice(obj as unknown as EndpointSlice);
    else if (o.kind === 'Service') this.service(obj as unknown as Service);
    return obj;
  }

  private slice(s: EndpointSlice): void {
    const m = s as Mutable<EndpointSlice>;
    if (typeof m.addressType === 'string') m.addressType = this.str(m.addressType);
    if (Array.isArray(s.ports)) m.ports = this.leafArray(s.ports);
    if (!Array.isArray(s.endpoints)) return;
    for (const ep of s.endpoints) {
      if (typeof ep !== 'object' || ep === null) continue;
      const e = ep as Mutable<typeof ep>;
      if (isLeaf(e.conditions)) e.conditions = this.leaf(e.conditions);
      if (typeof e.nodeName === 'string') e.nodeName = this.str(e.nodeName);
      if (typeof e.zone === 'string') e.zone = this.str(e.zone);
    }
  }

  private service(svc: Service): void {
    const spec = svc.spec as Mutable<NonNullable<Service['spec']>> | undefined;
    if (typeof spec !== 'object' || spec === null) return;
    for (const k of SERVICE_ENUMS) {
      const v = spec[k];
      if (typeof v === 'string') (spec as Record<string, unknown>)[k] = this.str(v);
    }
    if (Array.isArray(spec.clusterIPs)) spec.clusterIPs = spec.clusterIPs.slice();
    if (Array.isArray(spec.ipFamilies)) spec.ipFamilies = spec.ipFamilies.map((f) => (typeof f === 'string' ? this.str(f) : f));
    if (Array.isArray(spec.ports)) spec.ports = this.leafArray(spec.ports);
  }

  /** An exact-size copy of `items`, each element that is a leaf replaced by its canonical value. */
  private leafArray<E>(items: readonly E[]): E[] {
    const n = items.length;
    const out = new Array<E>(n);
    for (let i = 0; i < n; i++) {
      const v = items[i]!;
      out[i] = isLeaf(v) ? this.leaf(v) : v;
    }
    return out;
  }

  private leaf<L extends object>(value: L): L {
    const key = leafKey(value);
    const known = this.leaves.get(key);
    if (known) return known as L;
    if (this.leaves.size >= this.maxEntries) return value;
    // Its strings are shared too, and it is frozen: every object that holds it now holds the same value.
    const own = value as Record<string, unknown>;
    for (const k in own) if (typeof own[k] === 'string') own[k] = this.str(own[k] as string);
    this.leaves.set(key, Object.freeze(value));
    return value;
  }

  /** The one kept string equal to `s` (same value, so the same literal type). */
  private str<S extends string>(s: S): S {
    const known = this.strings.get(s);
    if (known !== undefined) return known as S;
    if (this.strings.size >= this.maxEntries) return s;
    flatString(s);
    this.strings.set(s, s);
    return s;
  }
}

type Mutable<T> = { -readonly [P in keyof T]: T[P] };

/** The Service spec fields whose values are one of a few words (or, clusterIP aside, a handful of names). */
const SERVICE_ENUMS = ['type', 'sessionAffinity', 'internalTrafficPolicy', 'externalTrafficPolicy', 'ipFamilyPolicy'] as const;

/** A plain object whose values are all strings, numbers or booleans (no nested objects), with at most 8 keys. */
function isLeaf(v: unknown): v is object {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.getPrototypeOf(v) !== Object.prototype) return false;
  let n = 0;
  for (const k in v) {
    const t = typeof (v as Record<string, unknown>)[k];
    if ((t !== 'string' && t !== 'number' && t !== 'boolean') || ++n > 8) return false;
  }
  return true;
}

/** Keys and typed values in order: equal keys are equal values with the same key order (so the same JSON text). */
function leafKey(v: object): string {
  let key = '';
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const x = o[k];
    key += `${k}\u0000${typeof x === 'string' ? 's' : typeof x === 'number' ? 'n' : 'b'}${String(x)}\u0000`;
  }
  return key;
}

/**
 * The same string, flat: V8 keeps a string built by concatenation as a rope (a tree of pieces, 32
 * bytes a node) until something reads its characters, which flattens it. Node's randomUUID builds
 * the 36 characters of a uid from 20 pieces, so every stored uid nobody read was ~15 rope nodes
 * (~480 bytes) instead of one 56-byte string. Reading one character makes V8 flatten it.
 */
export function flatString(s: string): string {
  if (s.length > 0) s.charCodeAt(0);
  return s;
}
