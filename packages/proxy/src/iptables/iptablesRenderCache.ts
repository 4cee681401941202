import type { EndpointsMap } from '../core/endpointsChangeTracker.js';
import type { ProxyOptions } from '../core/proxyOptions.js';
import type { ServicePortMap } from '../core/serviceChangeTracker.js';
import { ServicePortCache } from '../core/servicePortCache.js';
import type { IPFamily, ServiceKey } from '../core/types.js';
import { ChainNameCache } from './chainNameCache.js';
import { FragmentChunks } from './fragmentChunks.js';
import type { IPTablesFragment, RenderedServicePort, ServiceRulesContext } from './iptablesServiceRules.js';
import { renderIPTablesService } from './iptablesServiceRules.js';

/** Upstream largeClusterEndpointsThreshold: above it, per-endpoint comments are dropped. */
export const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

export interface CacheUpdateInput {
  family: IPFamily;
  options: ProxyOptions;
  services: ServicePortMap;
  endpoints: EndpointsMap;
  full: boolean;
  changedServices?: ReadonlySet<ServiceKey>;
  portKeysOf?: (service: ServiceKey) => Iterable<string>;
  context: (largeClusterMode: boolean, names: ChainNameCache) => ServiceRulesContext;
}

export interface CacheUpdate {
  largeClusterMode: boolean;
  /**
   * The ports whose own chains this sync writes (every port in a full sync), each with that text:
   * for this sync only, the cache does not keep it.
   */
  written: ReadonlyMap<string, RenderedServicePort>;
  /** Chains of fragments dropped or replaced in this update (maybe no longer in use). */
  dropped: string[];
  /** Chains of fragments rendered in this update. */
  added: string[];
}

/**
 * The iptables renderer's memory between syncs: per service port its top-level rules' text, its
 * chain names and counts (not its own chains' text), the set of service chains in use and running
 * totals, all updated only for the ports of changed Services. Options or family changing start it
 * over.
 */
export class IPTablesRenderCache {
  readonly ports = new ServicePortCache<IPTablesFragment>();
  /** The sorted port keys in chunks with their joined top-level text (kept with `ports`). */
  readonly chunks = new FragmentChunks((k) => this.ports.fragments.get(k)!);
  readonly active = new Set<string>();
  readonly totals = { endpoints: 0, filter: 0, natTop: 0, chainRules: 0, noLocalInternal: 0, noLocalExternal: 0 };
  readonly names: ChainNameCache;
  /** Fragments rendered so far (tests check that a partial sync renders only what changed). */
  rendered = 0;
  private options: ProxyOptions | undefined;
  private family: IPFamily | undefined;

  constructor(names?: ChainNameCache) {
    this.names = names ?? new ChainNameCache();
  }

  update(input: CacheUpdateInput): CacheUpdate {
    const { services, endpoints } = input;
    const dropped: string[] = [];
    const added: string[] = [];
    if (input.options !== this.options || input.family !== this.family) {
      for (const f of this.ports.fragments.values()) this.remove(f, dropped);
      this.ports.clear();
      this.chunks.rebuild([]);
      this.options = input.options;
      this.family = input.family;
    }
    const { dirty, removed, removedKeys, scanned } = this.ports.sync({
      services,
      endpoints,
      scan: input.full,
      ...(input.changedServices ? { changedServices: input.changedServices } : {}),
      ...(input.portKeysOf ? { portKeysOf: input.portKeysOf } : {}),
    });
    for (const f of removed) this.remove(f, dropped);
    // Endpoint total decides largeClusterMode before anything is rendered.
    let total = this.totals.endpoints;
    for (const k of dirty) total += (endpoints.get(k)?.length ?? 0) - (this.ports.fragments.get(k)?.epCount ?? 0);
    const largeClusterMode = total > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;
    const ctx = input.context(largeClusterMode, this.names);
    const written = new Map<string, RenderedServicePort>();
    const render = (k: string) => {
      const r = renderIPTablesService(ctx, services.get(k)!, endpoints.get(k));
      this.rendered++;
      written.set(k, r);
      const old = this.ports.put(k, r.fragment);
      if (old) this.remove(old, dropped);
      this.add(r.fragment, added);
      if (!scanned) this.chunks.upsert(k);
    };
    if (!scanned) for (const k of removedKeys) this.chunks.remove(k);
    for (const k of dirty) render(k);
    if (input.full) {
      // A full sync writes every port's own chains, rendered again from the maps (as upstream
      // syncProxyRules, which keeps no rule text). An unchanged port renders what the cache
      // holds (same inputs and largeClusterMode): only its chains' text is used. A port whose
      // comments follow another largeClusterMode is stored again.
      for (const [k, f] of this.ports.fragments) {
        if (written.has(k)) continue;
        if (f.large !== largeClusterMode) render(k);
        else {
          written.set(k, renderIPTablesService(ctx, f.svc, f.eps));
          this.rendered++;
        }
      }
    }
    // After a scan the key order was rebuilt: so are the chunks (their text is joined lazily).
    if (scanned) this.chunks.rebuild(this.ports.sorted);
    return { largeClusterMode, written, dropped, added };
  }

  private add(f: IPTablesFragment, added: string[]): void {
    for (const c of f.chains) {
      this.active.add(c);
      added.push(c);
    }
    this.adjust(f, 1);
  }

  private remove(f: IPTablesFragment, dropped: string[]): void {
    for (const c of f.chains) {
      this.active.delete(c);
      dropped.push(c);
    }
    this.adjust(f, -1);
  }

  private adjust(f: IPTablesFragment, sign: number): void {
    const t = this.totals;
    t.endpoints += sign * f.epCount;
    t.filter += sign * f.filterCount;
    t.natTop += sign * f.natTopCount;
    t.chainRules += sign * f.chainRuleCount;
    t.noLocalInternal += sign * f.noLocalInternal;
    t.noLocalExternal += sign * f.noLocalExternal;
  }
}
