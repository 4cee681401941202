import type { EndpointSlice, Endpoints, KubeObject, Service } from '@svcnet/model';
import { objectKey } from '@svcnet/model';
import type { Informer } from '@svcnet/store';
import type { BackendObjects } from './backendObjects.js';
import { withoutSpecialAddresses } from './specialAddresses.js';

export interface StoreBackendSources {
  services: Informer<Service>;
  /** The EndpointSlices routed to (the store's, or the data plane's filtered ones), by key. */
  endpointSlices: Informer<EndpointSlice>;
  /**
   * The EndpointSlices labelled for a Service, from the process's shared informers' `service` index
   * (client-go's indexer; upstream's endpointslice tracker keys slices the same way). Each is read
   * again from `endpointSlices` by key, so a filtered informer's version is the one routed to.
   */
  slicesOfService(serviceKey: string): readonly EndpointSlice[];
  /** Without it, the view keeps the Endpoints it is given (the fallback of Services without slices). */
  endpoints?: Informer<Endpoints>;
  /** `Kind namespace/name` of objects the view skipped for their shape (IngressView.skipped). */
  skipped: ReadonlySet<string>;
}

/**
 * The backends' objects read from the informers that hold them anyway, when a backend is resolved:
 * the router keeps no copy, map or group of the cluster's Services and slices (at 10,000 Services of
 * which Ingresses name 1,000, those were ~7 MB of the agent's heap). What the view's feed check
 * refused stays refused (skipped shapes), and endpoints on special addresses are left out here as
 * watchIngressInputs did before keeping them (it still reports them when they arrive).
 */
export function storeBackendObjects(s: StoreBackendSources): BackendObjects {
  const usable = <T extends KubeObject>(kind: string, o: T | undefined): T | undefined => (o && !s.skipped.has(`${kind} ${objectKey(o)}`) ? o : undefined);
  return {
    service: (key) => usable('Service', s.services.get(key)),
    endpointSlices(serviceKey) {
      const out: EndpointSlice[] = [];
      for (const indexed of s.slicesOfService(serviceKey)) {
        const slice = usable('EndpointSlice', s.endpointSlices.get(objectKey(indexed)));
        if (slice) out.push(withoutSpecialAddresses(slice));
      }
      return out;
    },
    endpoints(key) {
      const ep = usable('Endpoints', s.endpoints?.get(key));
      return ep && withoutSpecialAddresses(ep);
    },
  };
}
