import type { Kind } from '@svcnet/model';
import { listAndWatch } from '@svcnet/store';
import type { Informer, Store } from '@svcnet/store';
import type { IngressView } from './ingressView.js';

/** The kinds the router watches: routes, backends, and TLS material. */
export const INGRESS_INPUT_KINDS = ['IngressClass', 'Ingress', 'Service', 'EndpointSlice', 'Endpoints', 'Secret'] as const satisfies readonly Kind[];

export interface WatchIngressInputsOptions {
  signal?: AbortSignal;
  onError?: (e: Error) => void;
}

/**
 * Keeps an IngressView current from a store: one informer per kind, each event applied as it
 * arrives. `synced` resolves once every kind has been listed once.
 */
export function watchIngressInputs(store: Store, view: IngressView, options: WatchIngressInputsOptions = {}): { synced: Promise<void>; stop(): void } {
  const informers: Informer<unknown>[] = [];
  for (const kind of INGRESS_INPUT_KINDS) {
    const inf = listAndWatch(store, kind, { ...(options.signal ? { signal: options.signal } : {}), ...(options.onError ? { onError: options.onError } : {}) });
    inf.on((e) => {
      if (e.type === 'DELETED') view.delete(e.object);
      else view.upsert(e.object);
    });
    informers.push(inf as Informer<unknown>);
  }
  return {
    synced: Promise.all(informers.map((i) => i.synced)).then(() => undefined),
    stop: () => informers.forEach((i) => i.stop()),
  };
}
