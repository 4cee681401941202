import type { EndpointSlice, Service } from '@svcnet/model';
import { SharedInformerFactory } from '@svcnet/store';
import type { Informer, Store } from '@svcnet/store';

/** The watch handlers of a proxier (any mode). */
export interface ProxierSink {
  onServiceUpdate(svc: Service): void;
  onServiceDelete(svc: Service): void;
  onEndpointSliceUpdate(slice: EndpointSlice): void;
  onEndpointSliceDelete(slice: EndpointSlice): void;
  start(): void;
  stop(): void;
}

export interface ProxyInputs {
  /** The process's shared informers (the agent's); without it, the runner builds its own on `store`. */
  informers?: SharedInformerFactory;
  /**
   * The EndpointSlices to program, instead of the store's own: the agent passes @svcnet/store's
   * dataPlaneObjects().endpointSlices, without the endpoints of simulated Pods. Its owner stops it.
   */
  endpointSlices?: Informer<EndpointSlice>;
}

/**
 * Feeds proxiers from a store (upstream's ServiceConfig/EndpointSliceConfig informers): watch
 * events only record changes; the proxiers start syncing once both kinds are listed, so the first
 * sync never programs a half-loaded cluster.
 */
export async function runProxyFromStore(store: Store, proxiers: readonly ProxierSink[], signal: AbortSignal, onError?: (e: Error) => void, inputs: ProxyInputs = {}): Promise<void> {
  const opts = { signal, ...(onError ? { onError } : {}) };
  const ownFactory = inputs.informers ? undefined : new SharedInformerFactory(store, { signal });
  const informers = inputs.informers ?? ownFactory!;
  const services = informers.informer('Service', opts);
  const slices = inputs.endpointSlices ?? informers.informer('EndpointSlice', opts);
  const offs = [
    services.on((e) => {
      for (const p of proxiers) (e.type === 'DELETED' ? p.onServiceDelete(e.object) : p.onServiceUpdate(e.object));
    }),
    slices.on((e) => {
      for (const p of proxiers) (e.type === 'DELETED' ? p.onEndpointSliceDelete(e.object) : p.onEndpointSliceUpdate(e.object));
    }),
  ];
  await Promise.all([services.synced, slices.synced]);
  for (const p of proxiers) {
    for (const s of services.list()) p.onServiceUpdate(s);
    for (const s of slices.list()) p.onEndpointSliceUpdate(s);
    if (!signal.aborted) p.start();
  }
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  offs.forEach((off) => off());
  services.stop();
  if (!inputs.endpointSlices) slices.stop();
  ownFactory?.stop();
  for (const p of proxiers) p.stop();
}
