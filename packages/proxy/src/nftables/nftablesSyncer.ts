import type { ProxyOptions } from '../core/proxyOptions.js';
import type { ProxyState, SyncChanges } from '../core/proxyState.js';
import type { CachedFragment } from '../core/servicePortCache.js';
import { ServicePortCache } from '../core/servicePortCache.js';
import type { ServiceKey } from '../core/types.js';
import { TABLE, baseRules, nftFamily } from './nftablesBase.js';
import { NFTNameCache } from './nftNames.js';
import { elementLine, renderNFTService } from './nftablesService.js';
import type { NFTServiceArtifacts } from './nftablesService.js';

export interface PreparedNFTablesSync {
  full: boolean;
  /** The `nft -f` transaction. */
  text: string;
  changes: SyncChanges;
  noLocalInternal: number;
  noLocalExternal: number;
}

/** One service port's artifacts and their `add` lines for a full transaction. */
interface NFTFragment extends CachedFragment {
  readonly arts: NFTServiceArtifacts;
  readonly text: string;
}

/**
 * The nftables proxier's transactions (upstream pkg/proxy/nftables): a full sync replaces the
 * whole `kube-proxy` table atomically; a partial sync removes the old map elements, chains and
 * affinity sets of changed services and writes their new ones, in one `nft -f` transaction.
 * Each service port's artifacts are kept from the sync that rendered them (they are what the
 * table holds after a successful sync), so a partial sync looks only at changed services.
 */
export class NFTablesSyncer {
  private readonly cache = new ServicePortCache<NFTFragment>();
  private readonly names = new NFTNameCache();
  private needFullSync = true;
  private noLocalInternal = 0;
  private noLocalExternal = 0;
  /** Fragments rendered so far (tests check that a partial sync renders only what changed). */
  rendered = 0;

  constructor(
    readonly state: ProxyState,
    private readonly options: ProxyOptions,
  ) {}

  forceFullSync(): void {
    this.needFullSync = true;
  }

  prepare(): PreparedNFTablesSync {
    const full = this.needFullSync;
    const family = this.state.family;
    const table = `${nftFamily(family).nft} ${TABLE}`;
    const changes = this.state.checkout();
    const { services, endpoints } = this.state;
    // What the table holds for each changed Service (the last sync's artifacts), before updating.
    const old = new Map<ServiceKey, NFTServiceArtifacts[]>();
    if (!full) for (const k of changes.updatedServices) old.set(k, this.cache.portsOf(k).map((p) => this.cache.fragments.get(p)!.arts));
    const { dirty, removed } = this.cache.sync({
      services,
      endpoints,
      scan: full,
      changedServices: changes.updatedServices,
      portKeysOf: (k) => this.state.portKeysOf(k),
    });
    for (const f of removed) this.count(f.arts, -1);
    for (const k of dirty) {
      const svc = services.get(k)!;
      const eps = endpoints.get(k);
      const arts = renderNFTService(svc, eps ?? [], family, this.options, this.names);
      this.rendered++;
      const lines: string[] = [];
      writeArtifacts(lines, table, arts);
      const prev = this.cache.put(k, { svc, eps, arts, text: lines.length ? lines.join('\n') + '\n' : '' });
      if (prev) this.count(prev.arts, -1);
      this.count(arts, 1);
    }

    const out: string[] = [];
    if (full) {
      out.push([`add table ${table}`, `delete table ${table}`, ...baseRules(family, this.options)].join('\n') + '\n');
      // Grouped by Service, in the order each Service's first port sorts.
      const byService = new Map<ServiceKey, string[]>();
      for (const k of this.cache.sorted) {
        const f = this.cache.fragments.get(k)!;
        const list = byService.get(f.svc.serviceKey);
        if (list) list.push(f.text);
        else byService.set(f.svc.serviceKey, [f.text]);
      }
      for (const texts of byService.values()) for (const t of texts) out.push(t);
    } else {
      const lines: string[] = [`add table ${table} { comment "rules for kube-proxy" ; }`];
      const oldArts = [...changes.updatedServices].flatMap((k) => old.get(k) ?? []);
      const newArts = [...changes.updatedServices].flatMap((k) => this.cache.portsOf(k).map((p) => this.cache.fragments.get(p)!.arts));
      // Remove old dispatch first, then rewrite chains, then drop what is no longer used.
      for (const a of oldArts) for (const e of a.elements) lines.push(`delete element ${table} ${e.set} { ${e.key} }`);
      const newChains = new Set(newArts.flatMap((a) => [...a.chains.keys()]));
      const newSets = new Set(newArts.flatMap((a) => [...a.sets.keys()]));
      const oldChains = [...new Set(oldArts.flatMap((a) => [...a.chains.keys()]))];
      for (const c of oldChains) lines.push(`flush chain ${table} ${c}`);
      for (const a of newArts) writeArtifacts(lines, table, a, true);
      for (const c of oldChains) if (!newChains.has(c)) lines.push(`delete chain ${table} ${c}`);
      for (const s of new Set(oldArts.flatMap((a) => [...a.sets.keys()]))) if (!newSets.has(s)) lines.push(`delete set ${table} ${s}`);
      out.push(lines.join('\n') + '\n');
    }
    return { full, text: out.join(''), changes, noLocalInternal: this.noLocalInternal, noLocalExternal: this.noLocalExternal };
  }

  commit(_p: PreparedNFTablesSync, ok: boolean): void {
    // After a failure the cache is ahead of the table: the next sync is full.
    this.needFullSync = !ok;
  }

  private count(a: NFTServiceArtifacts, sign: number): void {
    if (a.noLocalInternal) this.noLocalInternal += sign;
    if (a.noLocalExternal) this.noLocalExternal += sign;
  }
}

function writeArtifacts(lines: string[], table: string, a: NFTServiceArtifacts, flush = false): void {
  for (const [name, def] of a.sets) lines.push(`add set ${table} ${name} ${def}`);
  for (const name of a.chains.keys()) {
    lines.push(`add chain ${table} ${name}`);
    if (flush) lines.push(`flush chain ${table} ${name}`);
  }
  for (const [name, rules] of a.chains) for (const r of rules) lines.push(`add rule ${table} ${name} ${r}`);
  for (const e of a.elements) lines.push(elementLine(table, e));
}
