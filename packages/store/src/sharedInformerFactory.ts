import type { Kind, KubeObject, ObjectOfKind } from '@svcnet/model';
import { deepFreeze } from './deepFreeze.js';
import { listAndWatch, type Informer, type InformerEvent } from './informer.js';
import { INDEX_FUNCS, InformerIndex, type IndexName } from './informerIndexes.js';
import type { Store } from './types.js';

/**
 * One consumer's view of a kind's shared informer: the Informer interface listAndWatch returns
 * (a consumer written for listAndWatch works unchanged), plus indexes. What it hands out is shared
 * by every consumer of the process: read it, never change it (copy what you change); with the
 * factory's `freeze` a mutation throws.
 */
export interface SharedInformer<T> extends Informer<T> {
  /** The cached objects indexed under `value` (see IndexName); shared, frozen, in no set order. */
  byIndex(index: IndexName, value: string): readonly T[];
}

export interface SharedInformerOptions {
  /** Watch errors of this kind (each consumer hears every one, as with its own watch) and errors its handlers throw. */
  onError?: (e: Error) => void;
  /** Aborting it stops this consumer's view (as stop()); the kind's watch goes on for the others. */
  signal?: AbortSignal;
}

export interface SharedInformerFactoryOptions {
  /** Every watch error, with its kind (besides each consumer's own onError). */
  onError?: (e: Error, kind: Kind) => void;
  /** Aborting it stops every informer of the factory. */
  signal?: AbortSignal;
  /** Bookmark interval of the watches (default the store's). */
  bookmarkIntervalMs?: number;
  /** Retry delays after a failed list or watch (default 100 ms .. 5 s). */
  backoffMs?: { min: number; max: number };
  /**
   * Deep-freeze every object before it is cached (default false), so that a consumer mutating a
   * shared object throws at the offending line instead of changing every other consumer's view.
   * Tests turn it on; it is off by default because frozen objects cost V8 memory and time (the
   * dashboard bench at 10,000 Services: heap 129 -> ~200 MB, keypress p99 ~77 -> ~140 ms).
   */
  freeze?: boolean;
}

/** A kind's single list+watch, its cache, its indexes and the consumers' views of it. */
class KindInformer<T extends KubeObject> {
  readonly inner: Informer<T>;
  readonly views = new Set<ConsumerView<T>>();
  private readonly indexes = new Map<IndexName, InformerIndex<T>>();

  constructor(store: Store, kind: Kind, options: SharedInformerFactoryOptions) {
    this.inner = listAndWatch(store, kind, {
      // The store's own objects (MemoryStore hands them out uncopied): one copy per process, not per consumer.
      shared: true,
      ...(options.freeze ? { transform: deepFreeze } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.bookmarkIntervalMs ? { bookmarkIntervalMs: options.bookmarkIntervalMs } : {}),
      ...(options.backoffMs ? { backoffMs: options.backoffMs } : {}),
      onError: (e) => {
        options.onError?.(e, kind);
        for (const v of [...this.views]) v.report(e);
      },
    }) as unknown as Informer<T>;
    this.inner.on((e) => {
      // Indexes first, so a handler reading byIndex sees the state its event describes.
      for (const index of this.indexes.values()) index.apply(e);
      for (const v of [...this.views]) v.deliver(e);
    });
  }

  index(name: IndexName): InformerIndex<T> {
    let index = this.indexes.get(name);
    if (!index) this.indexes.set(name, (index = new InformerIndex<T>(INDEX_FUNCS[name], this.inner.list())));
    return index;
  }
}

/**
 * What a consumer holds. Created before its kind's first list, it sees that list as ADDED events
 * (hasSynced() false meanwhile) exactly as its own listAndWatch would; created after, it gets the
 * cache replayed as ADDED events in a microtask (client-go's AddEventHandler on a started
 * informer), with hasSynced() false until the replay is done. Either way: subscribe with on() in the
 * same synchronous turn that created the view, as with listAndWatch.
 */
class ConsumerView<T extends KubeObject> implements SharedInformer<T> {
  private readonly handlers = new Set<(e: InformerEvent<T>) => void>();
  private replaying: boolean;
  private stopped = false;
  readonly synced: Promise<void>;
  private readonly onAbort = () => this.stop();

  constructor(
    private readonly source: KindInformer<T>,
    private readonly options: SharedInformerOptions,
  ) {
    source.views.add(this);
    this.replaying = source.inner.hasSynced();
    if (!this.replaying) {
      this.synced = source.inner.synced;
    } else {
      let markSynced!: () => void;
      this.synced = new Promise<void>((r) => (markSynced = r));
      queueMicrotask(() => {
        if (this.stopped) return;
        // Events that came before this replay are in the cache it reads: none is lost or doubled.
        for (const o of source.inner.list()) this.emit({ type: 'ADDED', object: o });
        this.replaying = false;
        markSynced();
      });
    }
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (options.signal?.aborted) this.stop();
  }

  hasSynced(): boolean {
    return !this.replaying && this.source.inner.hasSynced();
  }
  list(): T[] {
    return this.source.inner.list();
  }
  get(key: string): T | undefined {
    return this.source.inner.get(key);
  }
  get revision(): number {
    return this.source.inner.revision;
  }
  byIndex(index: IndexName, value: string): readonly T[] {
    return this.source.index(index).get(value);
  }
  on(handler: (e: InformerEvent<T>) => void): () => void {
    if (!this.stopped) this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }
  /** Ends this consumer's subscription; the kind's watch and cache stay for the others (the factory stops them). */
  stop(): void {
    this.stopped = true;
    this.handlers.clear();
    this.source.views.delete(this);
    this.options.signal?.removeEventListener('abort', this.onAbort);
  }

  deliver(e: InformerEvent<T>): void {
    if (!this.replaying) this.emit(e);
  }
  report(e: Error): void {
    this.options.onError?.(e);
  }

  private emit(e: InformerEvent<T>): void {
    for (const h of this.handlers.size === 1 ? this.handlers : [...this.handlers]) {
      try {
        h(e);
      } catch (err) {
        this.report(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
}

/**
 * client-go's SharedInformerFactory for a svcnet process: one list+watch and one cache per kind,
 * however many consumers ask (DNS, ingress, proxy, controllers, the dashboard), each consumer with
 * its own view (handlers, error callback, stop). The cached objects are the store's own (no copy per
 * consumer), never to be mutated (deep-frozen with `freeze`); indexes by namespace, by an EndpointSlice's Service and by a Pod's node
 * are built on first use. Event handlers run synchronously, in subscription order, after the cache
 * and indexes hold the change: like kube-proxy's, they should only record what changed and leave
 * the work to their consumer's own sync.
 */
export class SharedInformerFactory {
  private readonly kinds = new Map<Kind, KindInformer<KubeObject>>();
  private stopped = false;

  constructor(
    readonly store: Store,
    private readonly options: SharedInformerFactoryOptions = {},
  ) {}

  /** A consumer's view of `kind`'s shared informer, starting the kind's list+watch on first use. */
  informer<K extends Kind>(kind: K, options: SharedInformerOptions = {}): SharedInformer<ObjectOfKind[K]> {
    let source = this.kinds.get(kind);
    if (!source) {
      source = new KindInformer(this.store, kind, this.options);
      if (this.stopped) source.inner.stop();
      this.kinds.set(kind, source);
    }
    return new ConsumerView(source, options) as unknown as SharedInformer<ObjectOfKind[K]>;
  }

  /** The kinds whose informers have started. */
  started(): Kind[] {
    return [...this.kinds.keys()];
  }

  /** Resolves once every informer started so far has listed (client-go WaitForCacheSync). */
  async waitForCacheSync(): Promise<void> {
    await Promise.all([...this.kinds.values()].map((k) => k.inner.synced));
  }

  /** Stops every watch; consumers' views stop delivering. */
  stop(): void {
    this.stopped = true;
    for (const k of this.kinds.values()) {
      k.inner.stop();
      for (const v of [...k.views]) v.stop();
    }
  }
}
