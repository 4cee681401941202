import { objectKey, type EndpointSlice, type Endpoints, type KubeObject, type Pod } from '@svcnet/model';
import type { Informer, InformerEvent } from './informer.js';
import { SharedInformerFactory } from './sharedInformerFactory.js';
import { dataPlaneEndpoints, dataPlaneSlice, podVerdict, type DataPlaneView, type PodVerdict } from './simulatedEndpoints.js';
import type { Store } from './types.js';

/** Endpoints left out of what data planes see, now (summed over every slice or Endpoints object). */
export interface WithheldEndpoints {
  /** Of simulated Pods. */
  simulated: number;
  /** Naming a Pod the store does not hold. */
  unknownPods: number;
}

export interface DataPlaneObjects {
  /** EndpointSlices as data planes may use them (see dataPlaneSlice); shared by every data plane of a process. */
  readonly endpointSlices: Informer<EndpointSlice>;
  /** v1 Endpoints, the same way (the ingress router's fallback for Services without slices). */
  readonly endpoints: Informer<Endpoints>;
  /** Resolves once Pods, EndpointSlices and Endpoints have been listed. */
  readonly synced: Promise<void>;
  withheld(): WithheldEndpoints;
  /** Looks again at the objects naming this Pod (`namespace/name`): call when `backed` changes for it. */
  podChanged(podKey: string): void;
  stop(): void;
}

export interface DataPlaneObjectsOptions {
  /** The process's shared informers (Pods, EndpointSlices, Endpoints); without it, a factory of its own. */
  informers?: SharedInformerFactory;
  signal?: AbortSignal;
  onError?: (e: Error) => void;
  /** Called when the withheld totals change (to log, once, that simulated Pods get no packets). */
  onWithheld?: (now: WithheldEndpoints) => void;
  /**
   * Simulated Pods this process backs (their address on this machine with a server behind it):
   * their endpoints are used. Call podChanged when the answer changes for a Pod.
   */
  backed?: (pod: Pod) => boolean;
}

/**
 * A filtered informer over `source`: every object goes through `view` with the Pod cache's verdicts;
 * when a Pod named by an object appears, goes or changes its simulated mark, that object is filtered
 * again and handed on (MODIFIED) if what it leaves out changed. Events before `ready()` are not
 * handed on: ready() fills the cache and emits ADDED for each object, as a first list does.
 */
class FilteredInformer<T extends KubeObject> implements Informer<T> {
  private readonly cache = new Map<string, DataPlaneView<T>>();
  private readonly handlers = new Set<(e: InformerEvent<T>) => void>();
  private readonly podRefs = new Map<string, Set<string>>();
  private isReady = false;
  readonly synced: Promise<void>;
  private markSynced!: () => void;

  constructor(
    readonly source: Informer<T>,
    private readonly view: (obj: T) => DataPlaneView<T>,
    private readonly changed: () => void,
    private readonly report: (e: Error) => void,
  ) {
    this.synced = new Promise((r) => (this.markSynced = r));
    source.on((e) => {
      if (!this.isReady) return;
      if (e.type === 'DELETED') this.remove(e.object);
      else this.put(e.object);
    });
  }

  ready(): void {
    for (const obj of this.source.list()) this.put(obj);
    this.isReady = true;
    this.markSynced();
  }

  /** A Pod's verdict may have changed: filter again every object naming it. */
  podChanged(podKey: string): void {
    for (const key of [...(this.podRefs.get(podKey) ?? [])]) {
      const obj = this.source.get(key);
      const before = this.cache.get(key);
      if (!obj || !before) continue;
      const now = this.view(obj);
      // One Pod changed: the same counts mean the same endpoints left out.
      if (now.simulated === before.simulated && now.unknownPods === before.unknownPods) continue;
      this.store(key, now);
      this.emit({ type: 'MODIFIED', object: now.object, old: before.object });
    }
  }

  totals(into: WithheldEndpoints): void {
    for (const v of this.cache.values()) {
      into.simulated += v.simulated;
      into.unknownPods += v.unknownPods;
    }
  }

  private put(obj: T): void {
    const key = objectKey(obj);
    const before = this.cache.get(key);
    const now = this.view(obj);
    this.store(key, now);
    this.emit(before ? { type: 'MODIFIED', object: now.object, old: before.object } : { type: 'ADDED', object: now.object });
  }

  private remove(obj: T): void {
    const key = objectKey(obj);
    const before = this.cache.get(key);
    if (!before) return;
    this.unref(key, before);
    this.cache.delete(key);
    if (before.simulated || before.unknownPods) this.changed();
    this.emit({ type: 'DELETED', object: before.object });
  }

  private store(key: string, now: DataPlaneView<T>): void {
    const before = this.cache.get(key);
    if (before) this.unref(key, before);
    this.cache.set(key, now);
    for (const pod of now.pods) {
      let set = this.podRefs.get(pod);
      if (!set) this.podRefs.set(pod, (set = new Set()));
      set.add(key);
    }
    if ((before?.simulated ?? 0) !== now.simulated || (before?.unknownPods ?? 0) !== now.unknownPods) this.changed();
  }

  private unref(key: string, v: DataPlaneView<T>): void {
    for (const pod of v.pods) {
      const set = this.podRefs.get(pod);
      set?.delete(key);
      if (set?.size === 0) this.podRefs.delete(pod);
    }
  }

  private emit(e: InformerEvent<T>): void {
    for (const h of [...this.handlers]) {
      try {
        h(e);
      } catch (err) {
        this.report(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  hasSynced(): boolean {
    return this.isReady;
  }
  list(): T[] {
    return [...this.cache.values()].map((v) => v.object);
  }
  get(key: string): T | undefined {
    return this.cache.get(key)?.object;
  }
  get revision(): number {
    return this.source.revision;
  }
  on(handler: (e: InformerEvent<T>) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }
  stop(): void {
    this.handlers.clear();
    this.source.stop();
  }
}

/**
 * The EndpointSlices and Endpoints of a store as data planes may use them: without the endpoints
 * of simulated Pods (svcnet.io/simulated, set by the workload simulator) or of Pods the store does
 * not hold, so that no proxy mode and no ingress router sends a packet to an address that exists
 * on no machine. Works the same for every agent of a shared store: the mark is on the Pod. Reads
 * the process's shared informers (`informers`) and is itself meant to be shared by every data
 * plane of a process.
 */
export function dataPlaneObjects(store: Store, options: DataPlaneObjectsOptions = {}): DataPlaneObjects {
  const base = { ...(options.signal ? { signal: options.signal } : {}), ...(options.onError ? { onError: options.onError } : {}) };
  const report = options.onError ?? (() => undefined);
  const informers = options.informers ?? new SharedInformerFactory(store, options.signal ? { signal: options.signal } : {});
  const pods = informers.informer('Pod', base);
  const verdictOf = (key: string): PodVerdict => podVerdict(pods.get(key) as Pod | undefined, options.backed);
  let last: WithheldEndpoints = { simulated: 0, unknownPods: 0 };
  let ready = false;
  const withheld = (): WithheldEndpoints => {
    const t = { simulated: 0, unknownPods: 0 };
    slices.totals(t);
    endpoints.totals(t);
    return t;
  };
  const changed = () => {
    if (!ready || !options.onWithheld) return;
    const now = withheld();
    if (now.simulated !== last.simulated || now.unknownPods !== last.unknownPods) options.onWithheld(now);
    last = now;
  };
  const slices = new FilteredInformer<EndpointSlice>(informers.informer('EndpointSlice', base), (s) => dataPlaneSlice(s, verdictOf), changed, report);
  const endpoints = new FilteredInformer<Endpoints>(informers.informer('Endpoints', base), (e) => dataPlaneEndpoints(e, verdictOf), changed, report);
  const podChanged = (key: string) => {
    slices.podChanged(key);
    endpoints.podChanged(key);
  };
  pods.on((e) => {
    // Readiness flaps and other status writes do not change what a data plane may use.
    if (e.type === 'MODIFIED' && podVerdict(e.old, options.backed) === podVerdict(e.object, options.backed)) return;
    podChanged(objectKey(e.object));
  });
  const synced = Promise.all([pods.synced, slices.source.synced, endpoints.source.synced]).then(() => {
    slices.ready();
    endpoints.ready();
    ready = true;
    changed();
  });
  return {
    endpointSlices: slices,
    endpoints,
    synced,
    withheld,
    podChanged,
    stop: () => {
      pods.stop();
      slices.stop();
      endpoints.stop();
      if (!options.informers) informers.stop();
    },
  };
}
