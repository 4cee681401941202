import type { ProxyOptions } from '../core/proxyOptions.js';
import type { ProxyState, SyncChanges } from '../core/proxyState.js';
import type { ServiceKey } from '../core/types.js';
import { TABLE, baseRules, nftFamily } from './nftablesBase.js';
import { elementLine, renderNFTService } from './nftablesService.js';
import type { NFTServiceArtifacts } from './nftablesService.js';

export interface PreparedNFTablesSync {
  full: boolean;
  /** The `nft -f` transaction. */
  text: string;
  changes: SyncChanges;
  /** Per service: what the table holds after this transaction (kept on success). */
  next: Map<ServiceKey, NFTServiceArtifacts[]>;
  noLocalInternal: number;
  noLocalExternal: number;
}

/**
 * The nftables proxier's transactions (upstream pkg/proxy/nftables): a full sync replaces the
 * whole `kube-proxy` table atomically; a partial sync removes the old map elements, chains and
 * affinity sets of changed services and writes their new ones, in one `nft -f` transaction.
 */
export class NFTablesSyncer {
  private applied = new Map<ServiceKey, NFTServiceArtifacts[]>();
  private needFullSync = true;

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
    const byService = new Map<ServiceKey, NFTServiceArtifacts[]>();
    for (const key of [...this.state.services.keys()].sort()) {
      const svc = this.state.services.get(key)!;
      if (!full && !changes.updatedServices.has(svc.serviceKey)) continue;
      const arts = renderNFTService(svc, this.state.endpoints.get(key) ?? [], family, this.options);
      const list = byService.get(svc.serviceKey) ?? [];
      list.push(arts);
      byService.set(svc.serviceKey, list);
    }
    const next = full ? byService : new Map(this.applied);
    if (!full) for (const k of changes.updatedServices) {
      const v = byService.get(k);
      if (v) next.set(k, v);
      else next.delete(k);
    }
    const lines: string[] = [];
    if (full) {
      lines.push(`add table ${table}`, `delete table ${table}`, ...baseRules(family, this.options));
      for (const arts of byService.values()) for (const a of arts) writeArtifacts(lines, table, a);
    } else {
      lines.push(`add table ${table} { comment "rules for kube-proxy" ; }`);
      const oldArts = [...changes.updatedServices].flatMap((k) => this.applied.get(k) ?? []);
      const newArts = [...changes.updatedServices].flatMap((k) => byService.get(k) ?? []);
      // Remove old dispatch first, then rewrite chains, then drop what is no longer used.
      for (const a of oldArts) for (const e of a.elements) lines.push(`delete element ${table} ${e.set} { ${e.key} }`);
      const newChains = new Set(newArts.flatMap((a) => [...a.chains.keys()]));
      const newSets = new Set(newArts.flatMap((a) => [...a.sets.keys()]));
      const oldChains = [...new Set(oldArts.flatMap((a) => [...a.chains.keys()]))];
      for (const c of oldChains) lines.push(`flush chain ${table} ${c}`);
      for (const a of newArts) writeArtifacts(lines, table, a, true);
      for (const c of oldChains) if (!newChains.has(c)) lines.push(`delete chain ${table} ${c}`);
      for (const s of new Set(oldArts.flatMap((a) => [...a.sets.keys()]))) if (!newSets.has(s)) lines.push(`delete set ${table} ${s}`);
    }
    let noLocalInternal = 0;
    let noLocalExternal = 0;
    for (const arts of next.values()) for (const a of arts) {
      if (a.noLocalInternal) noLocalInternal++;
      if (a.noLocalExternal) noLocalExternal++;
    }
    return { full, text: lines.join('\n') + '\n', changes, next, noLocalInternal, noLocalExternal };
  }

  commit(p: PreparedNFTablesSync, ok: boolean): void {
    if (!ok) {
      this.needFullSync = true;
      return;
    }
    this.applied = p.next;
    this.needFullSync = false;
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
