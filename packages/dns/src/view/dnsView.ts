import type { EndpointSlice, Pod, Service } from '@svcnet/model';
import { SharedInformerFactory, systemClock, type Clock, type Informer, type InformerEvent, type Store } from '@svcnet/store';
import type { RecordIndex } from '../core/recordIndex.js';

export interface DnsViewOptions {
  /** The process's shared informers (the agent's); without it, the view builds its own on `store`. */
  informers?: SharedInformerFactory;
  /** Store errors (unreachable, a bad object): logged by the caller; informers retry on their own. */
  onError?: (e: Error) => void;
  signal?: AbortSignal;
  /** Clock for the SOA serial (CoreDNS: the time of the last change); default systemClock. */
  clock?: Clock;
}

/**
 * Keeps a RecordIndex up to date from shared informers (Services, EndpointSlices, and Pods when
 * `pods` is not disabled). Each event touches one object, and the index recomputes only that
 * object's Service. The index reports `synced` (and stops answering SERVFAIL for name errors)
 * once every informer has its first list.
 */
export class DnsView {
  readonly synced: Promise<void>;
  private readonly informers: Informer<Service | EndpointSlice | Pod>[] = [];
  private readonly ownFactory: SharedInformerFactory | undefined;

  constructor(store: Store, index: RecordIndex, o: DnsViewOptions = {}) {
    const clock = o.clock ?? systemClock;
    const touch = () => {
      index.serial = Math.floor(clock.now() / 1000) >>> 0;
    };
    const common = { ...(o.onError ? { onError: o.onError } : {}), ...(o.signal ? { signal: o.signal } : {}) };
    this.ownFactory = o.informers ? undefined : new SharedInformerFactory(store, o.signal ? { signal: o.signal } : {});
    const informers = o.informers ?? this.ownFactory!;
    const svc = informers.informer('Service', common);
    svc.on((e: InformerEvent<Service>) => {
      if (e.type === 'DELETED') index.deleteService(e.object.metadata?.namespace ?? 'default', e.object.metadata?.name ?? '');
      else index.upsertService(e.object);
      touch();
    });
    const eps = informers.informer('EndpointSlice', common);
    eps.on((e: InformerEvent<EndpointSlice>) => {
      if (e.type === 'DELETED') index.deleteEndpointSlice(e.object.metadata?.namespace ?? 'default', e.object.metadata?.name ?? '');
      else index.upsertEndpointSlice(e.object);
      touch();
    });
    this.informers.push(svc as Informer<Service | EndpointSlice | Pod>, eps as Informer<Service | EndpointSlice | Pod>);
    if (index.options.pods !== 'disabled') {
      const pods = informers.informer('Pod', common);
      pods.on((e: InformerEvent<Pod>) => {
        if (e.type === 'DELETED') index.deletePod(e.object.metadata?.namespace ?? 'default', e.object.metadata?.name ?? '');
        else index.upsertPod(e.object);
      });
      this.informers.push(pods as Informer<Service | EndpointSlice | Pod>);
    }
    this.synced = Promise.all(this.informers.map((i) => i.synced)).then(() => {
      index.synced = true;
    });
  }

  stop(): void {
    for (const i of this.informers) i.stop();
    this.ownFactory?.stop();
  }
}
