import { API_VERSIONS, InvalidObjectError, NAMESPACED, typeInvalid, validateEndpointAddresses, type Kind, type KubeObject } from '@svcnet/model';
import { admitObject, type AllocatorConfig } from './admission.js';

/**
 * The pure part of every write, shared by both stores: merge the request with the stored object as
 * the API server's REST strategies do, admit it, and set system metadata. The caller persists the
 * result (stamping `resourceVersion` with the new revision) or returns 'unchanged'.
 */
export type WriteOp = 'create' | 'update' | 'updateStatus' | 'apply';

export interface WriteInput<T extends KubeObject> {
  kind: Kind;
  op: WriteOp;
  incoming: T;
  old: T | undefined;
  trusted: boolean;
  /** Epoch ms, from the store's clock. */
  now: number;
  newUid: () => string;
  allocator: AllocatorConfig;
  /** WriteOptions.immutable: with `trusted`, nested values of `incoming` are kept, not copied. */
  immutable?: boolean;
}

export interface PreparedWrite<T extends KubeObject> {
  object: T;
  action: 'created' | 'updated' | 'unchanged';
}

type Meta = { -readonly [P in keyof NonNullable<KubeObject['metadata']>]: NonNullable<KubeObject['metadata']>[P] };
type Loose = KubeObject & { spec?: unknown; status?: unknown };

/** `kind`/`apiVersion` set, namespace defaulted ('default') or dropped for cluster-scoped kinds. */
export function normalizeIdentity<T extends KubeObject>(kind: Kind, object: T, shallow = false): T {
  // Identity is filled in before admission runs, so the two shapes it relies on are checked here,
  // with admission's wording (a write from a buggy client must get a field error, not a TypeError).
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(object)) throw new InvalidObjectError(kind, '', [typeInvalid('', object, 'must be an object')]);
  const given = (object as { metadata?: unknown }).metadata;
  if (given !== undefined && !isObject(given)) throw new InvalidObjectError(kind, '', [typeInvalid('metadata', given, 'must be an object')]);
  // shallow: the caller's nested values are shared (WriteOptions.immutable); only the top level and
  // metadata, which are written here and in stampMetadata, are this write's own.
  const obj = shallow ? ({ ...object, metadata: { ...object.metadata } } as T) : copyJSON(object);
  (obj as { kind?: string }).kind = kind;
  (obj as { apiVersion?: string }).apiVersion = API_VERSIONS[kind];
  const meta = (obj.metadata ??= {}) as Meta;
  if (NAMESPACED[kind]) meta.namespace ||= 'default';
  else delete meta.namespace;
  return obj;
}

export function storeKey(kind: Kind, namespace: string | undefined, name: string): string {
  return NAMESPACED[kind] ? `${namespace || 'default'}/${name}` : name;
}

export function keyOfObject(kind: Kind, obj: KubeObject): string {
  return storeKey(kind, obj.metadata?.namespace, obj.metadata?.name ?? '');
}

export function prepareWrite<T extends KubeObject>(input: WriteInput<T>): PreparedWrite<T> {
  const { kind, op, old, trusted } = input;
  // Admission defaults in place, so only a trusted write may share the caller's nested values.
  const shallow = trusted && input.immutable === true;
  let next: T & Loose;
  if (old && op === 'updateStatus') {
    // Only the request's status is taken, so only it is copied (once).
    const given = input.incoming as T & Loose;
    next = copyJSON(old) as T & Loose;
    if ('status' in given) next.status = copyJSON(given.status);
    else delete next.status;
  } else if (!old || op === 'create') {
    next = normalizeIdentity(kind, input.incoming, shallow) as T & Loose;
    if (!trusted && 'status' in next && !STATUS_ON_CREATE.has(kind)) next = withoutStatus(next);
  } else {
    const incoming = normalizeIdentity(kind, input.incoming, shallow) as T & Loose;
    next = incoming;
    const oldStatus = (old as Loose).status;
    // update never touches status (the main resource); neither does a client's apply: only a
    // trusted apply (a mirror of a real API server) brings its status along.
    if (op === 'update' || !trusted || !('status' in incoming)) {
      if (oldStatus !== undefined) next.status = shallow ? oldStatus : copyJSON(oldStatus);
      else if ('status' in next) next = withoutStatus(next);
    }
  }
  // Admission also prepares updates as the API server does (patchAllocatedValues for Services). `next`
  // is this write's own copy (normalizeIdentity's, or the stored status copied above), so admission
  // defaults it in place instead of cloning it again.
  if (!trusted) next = admitObject(next, old, input.allocator, op === 'updateStatus' ? 'status' : undefined) as T & Loose;
  else checkTrustedAddresses(kind, next);
  stampMetadata(next, old, input);
  if (!old) return { object: next, action: 'created' };
  return { object: next, action: sameContent(next, old) ? 'unchanged' : 'updated' };
}

/**
 * Status belongs to controllers. As the API server's REST strategies do, a client's create resets
 * status (PrepareForCreate) and its update or apply keeps the stored one (PrepareForUpdate); only
 * the status subresource (updateStatus) sets it, and admission validates what it sets. Nodes are
 * the exception upstream too: "Nodes allow *all* fields, including status, to be set on create"
 * (the kubelet registers its Node with its addresses).
 */
const STATUS_ON_CREATE: ReadonlySet<Kind> = new Set<Kind>(['Node']);

function withoutStatus<T extends Loose>(obj: T): T {
  // Rebuilt rather than `delete`d, for the same reason as resourceVersion in stampMetadata.
  const { status: _s, ...rest } = obj;
  return rest as T;
}

/**
 * A trusted write skips admission (it is fast: the endpoints reconciler writes thousands), but not
 * the address rules of EndpointSlices and Endpoints, which upstream applies to every writer, its
 * own controllers included: one pass over the addresses, a field error only when one is loopback,
 * link-local, unspecified or not an address of the slice's family.
 */
function checkTrustedAddresses(kind: Kind, obj: KubeObject): void {
  if (kind !== 'EndpointSlice' && kind !== 'Endpoints') return;
  const errors = validateEndpointAddresses(obj);
  if (errors.length > 0) throw new InvalidObjectError(kind, obj.metadata?.name ?? '', errors);
}

function stampMetadata<T extends KubeObject>(next: T & Loose, old: T | undefined, input: WriteInput<T>): void {
  let meta = next.metadata as Meta;
  if ('resourceVersion' in meta) {
    // Rebuilt rather than `delete`d: deleting a property turns the object into a slow dictionary,
    // and this one is stored and read by every consumer.
    const { resourceVersion: _rv, ...rest } = meta;
    next.metadata = meta = rest;
  }
  if (!old) {
    // A trusted write mirrors an object a real API server created: keep its identity.
    if (!(input.trusted && meta.uid)) meta.uid = input.newUid();
    if (!(input.trusted && meta.creationTimestamp)) meta.creationTimestamp = rfc3339(input.now);
    if (!(input.trusted && meta.generation)) meta.generation = 1;
    return;
  }
  const oldMeta = (old.metadata ?? {}) as Meta;
  if (oldMeta.uid) meta.uid = oldMeta.uid;
  else delete meta.uid;
  if (oldMeta.creationTimestamp) meta.creationTimestamp = oldMeta.creationTimestamp;
  const generation = oldMeta.generation ?? 1;
  // Generation counts changes of the desired state: spec, or the whole body for kinds without spec
  // (Endpoints, EndpointSlice, Secret), as the API server's strategies do; status never bumps it.
  const bump = 'spec' in next || 'spec' in old ? !deepEqual(next.spec, (old as Loose).spec) : !deepEqual(body(next), body(old));
  meta.generation = input.op !== 'updateStatus' && bump ? generation + 1 : generation;
}

function body(obj: KubeObject): unknown {
  const { metadata: _m, status: _s, ...rest } = obj as Loose & Record<string, unknown>;
  return rest;
}

/** Equal apart from resourceVersion: such a write is a no-op ('unchanged'). */
export function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  return deepEqual(strip(a), strip(b));
}

/** Structural equality of JSON values; undefined-valued keys count as absent. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  // Counting keys with for-in instead of filtering Object.keys: no arrays per level (this runs on
  // every update, over the whole object).
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let n = 0;
  for (const k in ao) {
    if (!hasOwn.call(ao, k) || ao[k] === undefined) continue;
    if (!hasOwn.call(bo, k) || !deepEqual(ao[k], bo[k])) return false;
    n++;
  }
  for (const k in bo) if (hasOwn.call(bo, k) && bo[k] !== undefined) n--;
  return n === 0;
}

let lastSecond = Number.NaN;
let lastText = '';

/** RFC 3339 to the second, as metav1.Time marshals (`2024-01-02T03:04:05Z`); the last second's text is reused. */
export function rfc3339(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastText = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    lastSecond = second;
  }
  return lastText;
}

export function withRevision<T extends KubeObject>(obj: T, revision: number): T {
  ((obj.metadata ??= {}) as Meta).resourceVersion = String(revision);
  return obj;
}

export function revisionOf(obj: KubeObject | undefined): number {
  const rv = obj?.metadata?.resourceVersion;
  return rv ? Number(rv) : 0;
}

/** A deep copy of a JSON value (several times faster than structuredClone for API objects). */
export function copyJSON<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const n = v.length;
    const a = new Array<unknown>(n);
    for (let i = 0; i < n; i++) a[i] = copyJSON(v[i]);
    return a as T;
  }
  // for-in with an own-property check: the same keys, in the same order, as Object.keys, and about a
  // third faster (no key array per object).
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k in src) if (hasOwn.call(src, k)) out[k] = copyJSON(src[k]);
  return out as T;
}

const hasOwn = Object.prototype.hasOwnProperty;
