import type { ProxyOptions } from '../core/proxyOptions.js';
import type { ProxyState, SyncChanges } from '../core/proxyState.js';
import type { CachedFragment } from '../core/servicePortCache.js';
import { ServicePortCache } from '../core/servicePortCache.js';
import type { ServiceKey } from '../core/types.js';
import { TABLE, baseRules, nftFamily } from './nftablesBase.js';
import { NFTNameCache } from './nftNames.js';
import { fullSyncParts } from './fullSyncParts.js';
import { elementLine } from './nftablesService.js';
import type { FullSyncParts } from './fullSyncParts.js';
import { renderNFTService } from './nftablesService.js';
import type { NFTServiceArtifacts } from './nftablesService.js';

export interface PreparedNFTablesSync {
  full: boolean;
  /** The `nft -f` transaction. */
  text: string;
  /**
   * A full sync of many service ports as three transactions with the same end state, for a
   * kernel that has no table yet (a cold start, where nothing is disrupted by loading in steps):
   * the table and every chain and set declared; the service and local policy chains' rules;
   * every other rule and the map elements. See README "Loading a large ruleset".
   */
  steps?: string[];
  changes: SyncChanges;
  noLocalInternal: number;
  noLocalExternal: number;
}

/** One service port's artifacts and their `add` lines for a full transaction, in three parts. */
interface NFTFragment extends CachedFragment {
  readonly arts: NFTServiceArtifacts;
  readonly parts: FullSyncParts;
}

/** Full syncs of at least this many service ports come with `steps` (PreparedNFTablesSync). */
export const STEPPED_LOAD_MIN_PORTS = 1000;

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

  private readonly steppedLoadMinPorts: number;

  constructor(
    readonly state: ProxyState,
    private readonly options: ProxyOptions,
    opts: { steppedLoadMinPorts?: number } = {},
  ) {
    this.steppedLoadMinPorts = opts.steppedLoadMinPorts ?? STEPPED_LOAD_MIN_PORTS;
  }

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
      const prev = this.cache.put(k, { svc, eps, arts, parts: fullSyncParts(table, arts) });
      if (prev) this.count(prev.arts, -1);
      this.count(arts, 1);
    }

    let text: string;
    let steps: string[] | undefined;
    if (full) {
      // Grouped by Service, in the order each Service's first port sorts.
      const byService = new Map<ServiceKey, FullSyncParts[]>();
      for (const k of this.cache.sorted) {
        const f = this.cache.fragments.get(k)!;
        const list = byService.get(f.svc.serviceKey);
        if (list) list.push(f.parts);
        else byService.set(f.svc.serviceKey, [f.parts]);
      }
      const ordered = [...byService.values()].flat();
      // Declarations first, then policy chain rules, then the rest: the order of `steps`, and
      // within each chain the rules keep their order.
      const head = [`add table ${table}`, `delete table ${table}`, ...baseRules(family, this.options)].join('\n') + '\n';
      const sections = [head + ordered.map((p) => p.decl).join(''), ordered.map((p) => p.policy).join(''), ordered.map((p) => p.rest).join('')] as const;
      // `+` on strings this large makes a rope, not a copy: the text and the steps share the
      // sections, and only the one written to nft gets flattened.
      text = sections[0] + sections[1] + sections[2];
      if (this.cache.sorted.length >= this.steppedLoadMinPorts) steps = [sections[0], `add table ${table}\n` + sections[1], `add table ${table}\n` + sections[2]];
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
      text = lines.join('\n') + '\n';
    }
    return { full, text, ...(steps ? { steps } : {}), changes, noLocalInternal: this.noLocalInternal, noLocalExternal: this.noLocalExternal };
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
