import { objectKey, sliceServiceKey, type EndpointSlice, type KubeObject } from '@svcnet/model';
import type { InformerEvent } from './informer.js';

/** The indexes every shared informer offers (client-go's cache.Indexers, fixed to what svcnet asks). */
export type IndexName = 'namespace' | 'service' | 'node';

/**
 * The values an object is indexed under (client-go IndexFunc): `namespace` its namespace (every
 * namespaced kind); `service` the `namespace/name` of an EndpointSlice's Service, from its
 * kubernetes.io/service-name label (upstream's endpointslice tracker and kube-proxy key slices so);
 * `node` a Pod's spec.nodeName. Kinds an index does not apply to are in no bucket of it.
 */
export const INDEX_FUNCS: Readonly<Record<IndexName, (o: KubeObject) => string | undefined>> = {
  namespace: (o) => o.metadata?.namespace || undefined,
  service: (o) => (o.kind === 'EndpointSlice' ? sliceServiceKey(o as EndpointSlice) : undefined),
  node: (o) => (o.kind === 'Pod' ? (o as { spec?: { nodeName?: string } }).spec?.nodeName || undefined : undefined),
};

/**
 * One index of a cache: value -> (key -> object). Built from the cache the first time it is asked
 * for (an index no consumer reads costs nothing), then kept current by apply(), which the shared
 * informer calls before any consumer's handler sees the event (as client-go's indexer is updated
 * before notifications are distributed). A bucket of one object is that object, not a map of one:
 * the `service` index has a bucket per Service, nearly all of one slice (at 10,000 Services a
 * map each was ~2.5 MB of the agent's heap; issue 18).
 */
export class InformerIndex<T extends KubeObject> {
  private readonly buckets = new Map<string, T | Map<string, T>>();
  private static readonly EMPTY: readonly never[] = Object.freeze([]);

  constructor(private readonly valueOf: (o: KubeObject) => string | undefined, cached: Iterable<T>) {
    for (const o of cached) this.put(objectKey(o), o);
  }

  get(value: string): readonly T[] {
    const bucket = this.buckets.get(value);
    if (bucket === undefined) return InformerIndex.EMPTY;
    return bucket instanceof Map ? [...bucket.values()] : [bucket];
  }

  /** The values with at least one object (e.g. every namespace seen). */
  values(): string[] {
    return [...this.buckets.keys()];
  }

  apply(e: InformerEvent<T>): void {
    const key = objectKey(e.object);
    // An update that keeps its value replaces the object in place: a bucket lists its objects in the
    // order they were first added, as a consumer keeping its own map of them would (the ingress
    // router reads a Service's slices from here, in that order).
    if (e.type === 'MODIFIED' && this.valueOf(e.old) !== this.valueOf(e.object)) this.remove(key, e.old);
    if (e.type === 'DELETED') this.remove(key, e.object);
    else this.put(key, e.object);
  }

  private put(key: string, o: T): void {
    const value = this.valueOf(o);
    if (value === undefined) return;
    const bucket = this.buckets.get(value);
    if (bucket === undefined || (!(bucket instanceof Map) && objectKey(bucket) === key)) this.buckets.set(value, o);
    else if (bucket instanceof Map) bucket.set(key, o);
    else this.buckets.set(value, new Map([[objectKey(bucket), bucket], [key, o]]));
  }

  private remove(key: string, o: T): void {
    const value = this.valueOf(o);
    if (value === undefined) return;
    const bucket = this.buckets.get(value);
    if (bucket === undefined) return;
    if (!(bucket instanceof Map)) {
      if (objectKey(bucket) === key) this.buckets.delete(value);
      return;
    }
    bucket.delete(key);
    if (bucket.size === 1) this.buckets.set(value, bucket.values().next().value!);
  }
}
