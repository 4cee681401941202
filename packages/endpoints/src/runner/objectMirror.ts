import type { EndpointSlice, Endpoints } from '@svcnet/model';
import { LABEL_MANAGED_BY, sliceServiceKey } from '@svcnet/model';

const rv = (o: { metadata?: { resourceVersion?: string } } | undefined) => Number(o?.metadata?.resourceVersion ?? 0);

/**
 * What the controller knows of the objects it writes: the informer's view merged with the results
 * of its own writes, newest resourceVersion winning (revisions count per kind). This plays the part
 * of upstream's staleEndpointsTracker / endpointSliceTracker: a sync right after a write sees that
 * write even before its watch event arrives.
 */
export class ObjectMirror {
  private readonly endpoints = new Map<string, Endpoints>();
  /** "ns/serviceName" -> slice name -> slice */
  private readonly slices = new Map<string, Map<string, EndpointSlice>>();

  getEndpoints(key: string): Endpoints | undefined {
    return this.endpoints.get(key);
  }
  endpointsKeys(): IterableIterator<string> {
    return this.endpoints.keys();
  }

  /** Returns false when the object is not newer than what we hold (our own write coming back). */
  putEndpoints(key: string, obj: Endpoints): boolean {
    const cur = this.endpoints.get(key);
    if (cur && rv(cur) >= rv(obj)) return false;
    this.endpoints.set(key, obj);
    return true;
  }
  removeEndpoints(key: string): boolean {
    return this.endpoints.delete(key);
  }

  slicesFor(serviceKey: string, managedBy: string): EndpointSlice[] {
    const out: EndpointSlice[] = [];
    for (const s of this.slices.get(serviceKey)?.values() ?? []) {
      if (s.metadata?.labels?.[LABEL_MANAGED_BY] === managedBy) out.push(s);
    }
    return out;
  }
  sliceServiceKeys(): IterableIterator<string> {
    return this.slices.keys();
  }

  putSlice(slice: EndpointSlice): boolean {
    const key = sliceServiceKey(slice);
    if (!key) return false;
    let m = this.slices.get(key);
    if (!m) this.slices.set(key, (m = new Map()));
    const name = slice.metadata?.name ?? '';
    const cur = m.get(name);
    if (cur && rv(cur) >= rv(slice)) return false;
    m.set(name, slice);
    return true;
  }
  removeSlice(slice: EndpointSlice): boolean {
    const key = sliceServiceKey(slice);
    const m = key ? this.slices.get(key) : undefined;
    if (!m) return false;
    const had = m.delete(slice.metadata?.name ?? '');
    if (m.size === 0) this.slices.delete(key!);
    return had;
  }
}
