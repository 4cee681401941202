import { specialIPRange, type Endpoints, type EndpointSlice, type Kind, type KubeObject } from '@svcnet/model';
import { SharedInformerFactory } from '@svcnet/store';
import type { Informer, Store } from '@svcnet/store';
import type { IngressView } from './ingressView.js';

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
   * with none answers 503 saying so). Their owner stops them.
   */
  endpointSlices?: Informer<EndpointSlice>;
  endpoints?: Informer<Endpoints>;
}

/**
 * Keeps an IngressView current from a store's shared informers, one per kind, each event applied
 * as it arrives. `synced` resolves once every kind has been listed once.
 */
export function watchIngressInputs(store: Store, view: IngressView, options: WatchIngressInputsOptions = {}): { synced: Promise<void>; stop(): void } {
  const informers: Informer<unknown>[] = [];
  const owned: Informer<unknown>[] = [];
  const ownFactory = options.informers ? undefined : new SharedInformerFactory(store, options.signal ? { signal: options.signal } : {});
  const factory = options.informers ?? ownFactory!;
  for (const kind of INGRESS_INPUT_KINDS) {
    const given = kind === 'EndpointSlice' ? options.endpointSlices : kind === 'Endpoints' ? options.endpoints : undefined;
    const inf = (given as Informer<KubeObject> | undefined) ?? (factory.informer(kind, { ...(options.signal ? { signal: options.signal } : {}), ...(options.onError ? { onError: options.onError } : {}) }) as Informer<KubeObject>);
    if (!given) owned.push(inf as Informer<unknown>);
    inf.on((e) => {
      if (e.type === 'DELETED') view.delete(e.object);
      else view.upsert(withoutSpecialAddresses(e.object, options.onError));
    });
    // A shared informer listed before this subscription: its objects are in its cache, not in events.
    if (given?.hasSynced()) for (const o of given.list()) view.upsert(withoutSpecialAddresses(o as KubeObject, options.onError));
    informers.push(inf as Informer<unknown>);
  }
  return {
    synced: Promise.all(informers.map((i) => i.synced)).then(() => undefined),
    stop: () => {
      owned.forEach((i) => i.stop());
      ownFactory?.stop();
    },
  };
}

/**
 * An EndpointSlice or Endpoints without loopback, link-local or unspecified addresses. The store
 * refuses them on every write; this is the router's own check for what reaches it anyway (a raw write
 * into a shared Redis): an endpoint on 127.0.0.1 would hand the node's localhost-only ports to
 * whoever can write one object. Other objects pass through unchanged.
 */
export function withoutSpecialAddresses<T>(obj: T, report?: (e: Error) => void): T {
  const o = obj as { kind?: string; metadata?: { namespace?: string; name?: string } };
  const skip = (ip: unknown): boolean => {
    const range = typeof ip === 'string' ? specialIPRange(ip) : undefined;
    if (range) report?.(new Error(`ingress: ${o.kind} "${o.metadata?.namespace ?? 'default'}/${o.metadata?.name}": endpoint ${String(ip)} is ${range}: not routed to`));
    return range !== undefined;
  };
  if (o.kind === 'EndpointSlice') {
    const slice = obj as EndpointSlice;
    const endpoints = slice.endpoints ?? [];
    const kept = endpoints.filter((ep) => !(ep.addresses ?? []).some(skip));
    return kept.length === endpoints.length ? obj : ({ ...slice, endpoints: kept } as T);
  }
  if (o.kind === 'Endpoints') {
    const ep = obj as Endpoints;
    let changed = false;
    const subsets = (ep.subsets ?? []).map((s) => {
      const addresses = (s.addresses ?? []).filter((a) => !skip(a.ip));
      const notReadyAddresses = (s.notReadyAddresses ?? []).filter((a) => !skip(a.ip));
      if (addresses.length === (s.addresses ?? []).length && notReadyAddresses.length === (s.notReadyAddresses ?? []).length) return s;
      changed = true;
      return { ...s, addresses, notReadyAddresses };
    });
    return changed ? ({ ...ep, subsets } as T) : obj;
  }
  return obj;
}
