import type { EndpointSlice, Endpoints, Service } from '@svcnet/model';
import { objectKey, sliceServiceKey } from '@svcnet/model';

/**
 * Where the view reads the objects behind a backend when it resolves one: a Service, its
 * EndpointSlices, and its v1 Endpoints (the fallback for Services without slices). Objects are
 * shared: never mutated. Implementations: KeptBackendObjects (what was given to the view, kept by
 * it) and the store's informers (storeBackendObjects: the view keeps nothing).
 */
export interface BackendObjects {
  service(key: string): Service | undefined;
  endpointSlices(serviceKey: string): Iterable<EndpointSlice>;
  endpoints(key: string): Endpoints | undefined;
}

const NONE: readonly EndpointSlice[] = Object.freeze([]);

/**
 * The Services, EndpointSlices and Endpoints given to the view one by one (tests, `svcnet render`,
 * anything fed from plain arrays): kept here, slices grouped by their Service. A slice remembers the
 * Service it was filed under, so one relabelled to another Service leaves its old group.
 */
export class KeptBackendObjects implements BackendObjects {
  private readonly services = new Map<string, Service>();
  private readonly slices = new Map<string, Map<string, EndpointSlice>>();
  private readonly sliceService = new Map<string, string>();
  private readonly legacy = new Map<string, Endpoints>();

  service(key: string): Service | undefined {
    return this.services.get(key);
  }

  endpointSlices(serviceKey: string): Iterable<EndpointSlice> {
    return this.slices.get(serviceKey)?.values() ?? NONE;
  }

  endpoints(key: string): Endpoints | undefined {
    return this.legacy.get(key);
  }

  /** Keeps or forgets one object; returns the `namespace/name` of the Services whose backends it touched. */
  keep(obj: Service | EndpointSlice | Endpoints, deleted: boolean): string[] {
    if (obj.kind === 'EndpointSlice') return this.keepSlice(obj as EndpointSlice, deleted);
    const key = objectKey(obj);
    const map: Map<string, Service | Endpoints> = obj.kind === 'Service' ? this.services : this.legacy;
    if (deleted) map.delete(key);
    else map.set(key, obj as Service & Endpoints);
    return [key];
  }

  private keepSlice(slice: EndpointSlice, deleted: boolean): string[] {
    const sliceKey = objectKey(slice);
    const svcKey = sliceServiceKey(slice);
    const previous = this.sliceService.get(sliceKey);
    const touched: string[] = [];
    if (previous !== undefined && (deleted || previous !== svcKey)) {
      this.slices.get(previous)?.delete(sliceKey);
      if (this.slices.get(previous)?.size === 0) this.slices.delete(previous);
      this.sliceService.delete(sliceKey);
      touched.push(previous);
    }
    if (!deleted && svcKey) {
      let m = this.slices.get(svcKey);
      if (!m) this.slices.set(svcKey, (m = new Map()));
      m.set(sliceKey, slice);
      this.sliceService.set(sliceKey, svcKey);
      touched.push(svcKey);
    }
    return touched;
  }
}
