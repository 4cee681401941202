import type { EndpointsMap } from './endpointsChangeTracker.js';
import type { ServicePortMap } from './serviceChangeTracker.js';
import type { EndpointInfo, ServiceKey, ServicePortInfo } from './types.js';

/** What every cached per-service-port fragment remembers: the inputs it was rendered from. */
export interface CachedFragment {
  readonly svc: ServicePortInfo;
  readonly eps: readonly EndpointInfo[] | undefined;
}

export interface CacheSyncInput {
  services: ServicePortMap;
  endpoints: EndpointsMap;
  /** Scan every service port (full sync, or no change list): fragments are checked by identity. */
  scan: boolean;
  changedServices?: ReadonlySet<ServiceKey>;
  /** The current service port keys of a Service (ProxyState.portKeysOf). */
  portKeysOf?: (service: ServiceKey) => Iterable<string>;
}

export interface CacheSyncResult<F> {
  /** Port keys to render again (changed or new), in sorted order. */
  dirty: string[];
  /** Fragments of service ports that no longer exist (already dropped from the cache). */
  removed: F[];
  /** Their port keys, in the same order. */
  removedKeys: string[];
  /** Every service port was looked at and `sorted` rebuilt (a full sync or no change list). */
  scanned: boolean;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Per-service-port rendered fragments kept between syncs, plus the sorted key order, so a partial
 * sync touches only the ports of changed Services (as upstream's MinimizeIPTablesRestore): the
 * change tracker's service list says what to invalidate; nothing else is looked at.
 */
export class ServicePortCache<F extends CachedFragment> {
  readonly fragments = new Map<string, F>();
  /** Port keys in `Array.prototype.sort` order (the renderers' output order). */
  readonly sorted: string[] = [];
  private readonly byService = new Map<ServiceKey, Set<string>>();

  /** Works out which fragments are stale; the caller renders `dirty` and `put`s the results. */
  sync(input: CacheSyncInput): CacheSyncResult<F> {
    const { services, endpoints, changedServices } = input;
    const dirty: string[] = [];
    const removed: F[] = [];
    const removedKeys: string[] = [];
    if (input.scan || !changedServices || !input.portKeysOf) {
      for (const [k, f] of this.fragments) {
        if (!services.has(k)) {
          removed.push(f);
          removedKeys.push(k);
          this.drop(k, f);
        }
      }
      this.sorted.length = 0;
      for (const k of services.keys()) this.sorted.push(k);
      this.sorted.sort();
      for (const k of this.sorted) {
        const f = this.fragments.get(k);
        const svc = services.get(k) as ServicePortInfo;
        if (!f || f.svc !== svc || f.eps !== endpoints.get(k) || (changedServices?.has(svc.serviceKey) ?? false)) dirty.push(k);
      }
      return { dirty, removed, removedKeys, scanned: true };
    }
    for (const key of changedServices) {
      const old = this.byService.get(key);
      if (old) {
        for (const k of [...old]) {
          if (services.has(k)) continue;
          const f = this.fragments.get(k) as F;
          removed.push(f);
          removedKeys.push(k);
          this.drop(k, f);
          this.sorted.splice(this.indexOf(k), 1);
        }
      }
      for (const k of input.portKeysOf(key)) {
        if (!services.has(k)) continue;
        if (!this.fragments.has(k)) {
          const i = this.indexOf(k);
          if (this.sorted[i] !== k) this.sorted.splice(i, 0, k);
        }
        dirty.push(k);
      }
    }
    dirty.sort();
    return { dirty, removed, removedKeys, scanned: false };
  }

  /** Stores a freshly rendered fragment; returns the one it replaces. */
  put(key: string, f: F): F | undefined {
    const old = this.fragments.get(key);
    this.fragments.set(key, f);
    const sk = f.svc.serviceKey;
    if (old && old.svc.serviceKey !== sk) this.byService.get(old.svc.serviceKey)?.delete(key);
    let set = this.byService.get(sk);
    if (!set) this.byService.set(sk, (set = new Set()));
    set.add(key);
    return old;
  }

  /** The cached port keys of one Service, sorted. */
  portsOf(service: ServiceKey): string[] {
    return [...(this.byService.get(service) ?? [])].sort();
  }

  clear(): void {
    this.fragments.clear();
    this.byService.clear();
    this.sorted.length = 0;
  }

  private drop(k: string, f: F): void {
    this.fragments.delete(k);
    const set = this.byService.get(f.svc.serviceKey);
    set?.delete(k);
    if (set && set.size === 0) this.byService.delete(f.svc.serviceKey);
  }

  /** Binary search: the index of `k`, or where it would be inserted. */
  private indexOf(k: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(this.sorted[mid] as string, k) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
