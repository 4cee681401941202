import type { EndpointSlice, Endpoints, Kind, KubeObject, Service } from '@svcnet/model';
import { SharedInformerFactory } from '@svcnet/store';
import type { Informer, SharedInformer, Store } from '@svcnet/store';
import type { BackendFeed, IngressView } from './ingressView.js';
import { withoutSpecialAddresses } from './specialAddresses.js';
import { storeBackendObjects } from './storeBackendObjects.js';

export { withoutSpecialAddresses } from './specialAddresses.js';

/** The kinds the router watches: routes, backends, and TLS material. */
export const INGRESS_INPUT_KINDS = ['IngressClass', 'Ingress', 'Service', 'EndpointSlice', 'Endpoints', 'Secret'] as const satisfies readonly Kind[];

export interface WatchIngressInputsOptions {
  /** The process's shared informers (the agent's); without it, the router builds its own on `store`. */
  informers?: SharedInformerFactory;
  signal?: AbortSignal;
  onError?: (e: Error) => void;
  /**
   * EndpointSlices and Endpoints to route to, instead of the store's own: the agent passes
   * @svcnet/store's dataPlaneObjects(), without the endpoints of simulated Pods (a backend left
   * with none answers 503 saying so). Their owner stops them. Given with `informers`, they must be
   * views over that factory's informers (dataPlaneObjects({ informers }) is): a Service's slices are
   * found through the factory's service index and read from `endpointSlices` by key. Given without
   * `informers`, the view keeps its own copy of them, Services and Endpoints (as before).
   */
  endpointSlices?: Informer<EndpointSlice>;
  endpoints?: Informer<Endpoints>;
}

const isBackendKind = (kind: Kind): boolean => kind === 'Service' || kind === 'EndpointSlice' || kind === 'Endpoints';

/**
 * Keeps an IngressView current from a store's shared informers, one per kind, each event applied
 * as it arrives. Services, EndpointSlices and Endpoints stay in the informers: the view reads them
 * there when it resolves a backend and only hears that they changed (its cache drops). `synced`
 * resolves once every kind has been listed once.
 */
export function watchIngressInputs(store: Store, view: IngressView, options: WatchIngressInputsOptions = {}): { synced: Promise<void>; stop(): void } {
  const consumer = { ...(options.signal ? { signal: options.signal } : {}), ...(options.onError ? { onError: options.onError } : {}) };
  const owned: Informer<unknown>[] = [];
  const ownFactory = options.informers ? undefined : new SharedInformerFactory(store, options.signal ? { signal: options.signal } : {});
  const factory = options.informers ?? ownFactory!;
  const shared = <K extends Kind>(kind: K) => {
    const inf = factory.informer(kind, consumer);
    owned.push(inf as Informer<unknown>);
    return inf;
  };
  const given: Partial<Record<Kind, Informer<KubeObject>>> = {
    ...(options.endpointSlices ? { EndpointSlice: options.endpointSlices as Informer<KubeObject> } : {}),
    ...(options.endpoints ? { Endpoints: options.endpoints as Informer<KubeObject> } : {}),
  };
  const informers = new Map<Kind, Informer<KubeObject>>(INGRESS_INPUT_KINDS.map((kind) => [kind, given[kind] ?? (shared(kind) as Informer<KubeObject>)]));

  // Given slices without the factory they are a view over have no service index to find them by.
  const slices = informers.get('EndpointSlice') as Informer<EndpointSlice>;
  const sliceIndex = !options.endpointSlices ? (slices as SharedInformer<EndpointSlice>) : options.informers ? shared('EndpointSlice') : undefined;
  const feed = sliceIndex
    ? view.readBackendsFrom(
        storeBackendObjects({
          services: informers.get('Service') as Informer<Service>,
          endpointSlices: slices,
          slicesOfService: (key) => sliceIndex.byIndex('service', key),
          endpoints: informers.get('Endpoints') as Informer<Endpoints>,
          skipped: view.skipped,
        }),
      )
    : undefined;

  for (const [kind, inf] of informers) {
    const to: Pick<BackendFeed, 'upsert' | 'delete'> = feed && isBackendKind(kind) ? feed : { upsert: (o) => view.upsert(o), delete: (o) => view.delete(o) };
    inf.on((e) => {
      if (e.type === 'DELETED') to.delete(e.object);
      else to.upsert(withoutSpecialAddresses(e.object, options.onError), e.type === 'MODIFIED' ? e.old : undefined);
    });
    // A given informer listed before this subscription: its objects are in its cache, not in events.
    if (given[kind]?.hasSynced()) for (const o of inf.list()) to.upsert(withoutSpecialAddresses(o, options.onError));
  }
  return {
    synced: Promise.all([...informers.values()].map((i) => i.synced)).then(() => undefined),
    stop: () => {
      owned.forEach((i) => i.stop());
      ownFactory?.stop();
    },
  };
}
