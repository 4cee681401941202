import type { Kind, ObjectOfKind, Service } from '@svcnet/model';
import { StoreError } from '../src/index.js';
import type { NodeStatusStore, Store, WatchEvent } from '../src/index.js';

export type TestStore = Store & NodeStatusStore;

export const service = (name: string, spec: Service['spec'] = { ports: [{ port: 80 }] }, extra: Partial<Service> = {}): Service & { kind: 'Service' } => ({
  apiVersion: 'v1',
  kind: 'Service',
  ...extra,
  metadata: { name, namespace: 'default', ...extra.metadata },
  spec,
});

/** Takes `n` events (bookmarks excluded unless asked) from a watch, bounded by `ms`. */
export async function take<K extends Kind>(
  store: Store,
  kind: K,
  fromRevision: number,
  n: number,
  opts: { ms?: number; bookmarks?: boolean; bookmarkIntervalMs?: number } = {},
): Promise<WatchEvent<ObjectOfKind[K]>[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), opts.ms ?? 5000);
  const out: WatchEvent<ObjectOfKind[K]>[] = [];
  try {
    for await (const e of store.watch(kind, { fromRevision, signal: ac.signal, bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 200 })) {
      if (e.type === 'BOOKMARK' && !opts.bookmarks) continue;
      out.push(e);
      if (out.length >= n) break;
    }
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return out;
}

/** Polls `check` every 10 ms until it is true or `ms` pass; returns the last result. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** key -> resourceVersion of a list, for "the informer's cache equals the store" checks. */
export function versions(items: readonly { metadata?: { namespace?: string; name?: string; resourceVersion?: string } }[]): Record<string, string> {
  const pairs = items.map((o) => [`${o.metadata?.namespace ?? ''}/${o.metadata?.name}`, o.metadata?.resourceVersion ?? ''] as const);
  return Object.fromEntries(pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * A view of `store` whose next watch delivers nothing until `expire()` and then fails with Expired,
 * as when history is trimmed or the backend restarted under a watcher.
 */
export function expiringWatch(store: TestStore): { store: TestStore; expire: () => void } {
  let open!: () => void;
  let gate = new Promise<void>((r) => (open = r));
  let armed = true;
  const view = Object.create(store) as TestStore;
  view.watch = (kind, options) => {
    if (!armed) return store.watch(kind, options);
    armed = false;
    const g = gate;
    return (async function* () {
      await g;
      throw new StoreError('Expired', 'too old resource version (test)');
    })();
  };
  return {
    store: view,
    expire: () => {
      open();
      gate = Promise.resolve();
    },
  };
}

/** A view of `store` that counts watches ending in Expired, and optionally slows each event by `delayMs`. */
export function observedWatch<S extends Store>(store: S, delayMs = 0): { store: S; expired: () => number } {
  let expired = 0;
  const view = Object.create(store) as S;
  view.watch = (kind, options) =>
    (async function* () {
      try {
        for await (const e of store.watch(kind, options)) {
          if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
          yield e;
        }
      } catch (e) {
        if (e instanceof StoreError && e.code === 'Expired') expired++;
        throw e;
      }
    })();
  return { store: view, expired: () => expired };
}
