import { objectKey, type Kind, type KubeObject, type ObjectOfKind } from '@svcnet/model';
import { isStoreError } from './errors.js';
import type { Store } from './types.js';

export interface Informer<T> {
  /** Resolves once the first list is in the cache (never rejects; errors go to onError and retry). */
  readonly synced: Promise<void>;
  hasSynced(): boolean;
  /** The cache's objects (shared references: do not mutate). */
  list(): T[];
  /** By objectKey from @svcnet/model: `ns/name`, or `name` for cluster-scoped kinds. */
  get(key: string): T | undefined;
  /** The last revision seen, from a list, an event or a bookmark. */
  readonly revision: number;
  /** Handlers see every change after they subscribe (no replay of the cache); returns an unsubscribe. */
  on(handler: (e: InformerEvent<T>) => void): () => void;
  stop(): void;
}

export type InformerEvent<T> =
  | { type: 'ADDED'; object: T }
  | { type: 'MODIFIED'; object: T; old: T }
  | { type: 'DELETED'; object: T };

export interface ListAndWatchOptions {
  namespace?: string;
  /** Errors other than Expired (the store unreachable, a handler throwing); the informer retries. */
  onError?: (e: Error) => void;
  signal?: AbortSignal;
  /** Bookmark interval passed to watch (default the store's). */
  bookmarkIntervalMs?: number;
  /** Retry delays after a failed list or watch: from min doubling to max (default 100 ms .. 5 s). */
  backoffMs?: { min: number; max: number };
  /**
   * List and watch with `shared: true`: the cache may hold the store's own objects (no copy per
   * object). Only for subscribers that never mutate what they get — which the cache's contract
   * already asks of them — since a mutation would now change the store, not just this cache.
   */
  shared?: boolean;
  /**
   * Applied to every object from a list or watch before it is cached and handed on (client-go's
   * SharedIndexInformer.SetTransform): the shared informer factory deep-freezes them here.
   */
  transform?: (object: KubeObject) => KubeObject;
}

/**
 * client-go's Reflector + DeltaFIFO Replace in one: list, then watch from the list's revision; when
 * the watch answers Expired (history trimmed, store restarted) relist and emit the difference so
 * subscribers never miss a change or keep a stale object.
 */
export function listAndWatch<K extends Kind>(store: Store, kind: K, options: ListAndWatchOptions = {}): Informer<ObjectOfKind[K]> {
  type T = ObjectOfKind[K];
  const cache = new Map<string, T>();
  const handlers = new Set<(e: InformerEvent<T>) => void>();
  const stopper = new AbortController();
  const onParentAbort = () => stopper.abort();
  options.signal?.addEventListener('abort', onParentAbort, { once: true });
  if (options.signal?.aborted) stopper.abort();
  const signal = stopper.signal;
  const backoff = options.backoffMs ?? { min: 100, max: 5000 };
  let revision = 0;
  let synced = false;
  let markSynced!: () => void;
  const syncedPromise = new Promise<void>((r) => (markSynced = r));

  const report = (e: unknown) => {
    if (signal.aborted) return;
    const err = e instanceof Error ? e : new Error(String(e));
    if (options.onError) options.onError(err);
  };
  const call = (h: (e: InformerEvent<T>) => void, e: InformerEvent<T>) => {
    try {
      h(e);
    } catch (err) {
      report(err);
    }
  };
  const emit = (e: InformerEvent<T>) => {
    // A copy keeps a handler (un)subscribing during the emit from changing who sees this event; with
    // one handler (the usual case, once per object per event) there is nothing to copy.
    if (handlers.size === 1) call(handlers.values().next().value!, e);
    else for (const h of [...handlers]) call(h, e);
  };
  const keyOf = (o: T) => objectKey(o as KubeObject);
  const transform = options.transform as ((o: T) => T) | undefined;
  const inScope = (o: T) => !options.namespace || (o as KubeObject).metadata?.namespace === options.namespace;

  const replace = (items: T[]) => {
    if (cache.size === 0) {
      // The first list (or a relist after everything was deleted): all ADDED, nothing to diff.
      for (const obj of items) {
        cache.set(keyOf(obj), obj);
        emit({ type: 'ADDED', object: obj });
      }
      return;
    }
    const seen = new Set<string>();
    for (const obj of items) {
      const key = keyOf(obj);
      seen.add(key);
      const old = cache.get(key);
      cache.set(key, obj);
      if (!old) emit({ type: 'ADDED', object: obj });
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion || old.metadata?.uid !== obj.metadata?.uid) {
        emit({ type: 'MODIFIED', object: obj, old });
      }
    }
    for (const [key, old] of [...cache]) {
      if (!seen.has(key)) {
        cache.delete(key);
        emit({ type: 'DELETED', object: old });
      }
    }
  };

  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        r();
      }
      signal.addEventListener('abort', done, { once: true });
    });

  const run = async () => {
    let delay = backoff.min;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          const res = await store.list(kind, { ...(options.namespace ? { namespace: options.namespace } : {}), ...(options.shared ? { shared: true } : {}) });
          if (signal.aborted) return;
          replace(transform ? res.items.map(transform) : res.items);
          revision = res.revision;
          needList = false;
          if (!synced) {
            synced = true;
            markSynced();
          }
        }
        const watchOpts = {
          fromRevision: revision,
          signal,
          ...(options.bookmarkIntervalMs ? { bookmarkIntervalMs: options.bookmarkIntervalMs } : {}),
          ...(options.shared ? { shared: true } : {}),
        };
        for await (const e of store.watch(kind, watchOpts)) {
          if (signal.aborted) return;
          delay = backoff.min;
          revision = e.revision;
          if (e.type === 'BOOKMARK') continue;
          if (!inScope(e.object)) continue;
          const obj = transform ? transform(e.object) : e.object;
          const key = keyOf(obj);
          const old = cache.get(key);
          if (e.type === 'DELETED') {
            if (old) {
              cache.delete(key);
              emit({ type: 'DELETED', object: obj });
            }
          } else {
            cache.set(key, obj);
            emit(old ? { type: 'MODIFIED', object: obj, old } : { type: 'ADDED', object: obj });
          }
        }
        // The watch ended without an error: the store closed or we were stopped.
        return;
      } catch (e) {
        if (signal.aborted) return;
        if (isStoreError(e, 'Expired')) {
          needList = true;
          continue;
        }
        report(e);
        await sleep(delay);
        delay = Math.min(delay * 2, backoff.max);
      }
    }
  };
  void run();

  return {
    synced: syncedPromise,
    hasSynced: () => synced,
    list: () => [...cache.values()],
    get: (key) => cache.get(key),
    get revision() {
      return revision;
    },
    on(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    stop() {
      options.signal?.removeEventListener('abort', onParentAbort);
      stopper.abort();
    },
  };
}
