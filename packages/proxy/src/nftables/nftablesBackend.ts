import type { ProxyOptions } from '../core/proxyOptions.js';
import type { ProxyState } from '../core/proxyState.js';
import type { IPFamily } from '../core/types.js';
import type { Exec } from '../engine/exec.js';
import { CommandError, hostExec } from '../engine/exec.js';
import { Proxier } from '../engine/proxier.js';
import { ConntrackCleaner } from '../engine/conntrack.js';
import type { ProxierOptions, SyncBackend } from '../engine/proxier.js';
import { TABLE, nftFamily } from './nftablesBase.js';
import { NFTablesSyncer } from './nftablesSyncer.js';
import type { PreparedNFTablesSync } from './nftablesSyncer.js';

/** Runs `nft -f -` with a transaction; nft applies it atomically or not at all. */
export class NFTablesApplier {
  private readonly exec: Exec;
  constructor(readonly family: IPFamily, opts: { exec?: Exec } = {}) {
    this.exec = opts.exec ?? hostExec;
  }

  async apply(text: string): Promise<void> {
    const r = await this.exec('nft', ['-f', '-'], text);
    if (r.code !== 0) throw new CommandError('nft -f -', r);
  }

  /**
   * Applies a prepared sync: a full sync that comes with `steps` is loaded in those steps when
   * our table does not exist yet (nothing to disrupt); otherwise in one atomic transaction.
   */
  async applySync(p: { text: string; steps?: string[] }): Promise<void> {
    if (p.steps && !(await this.tableExists())) {
      for (const step of p.steps) await this.apply(step);
      return;
    }
    await this.apply(p.text);
  }

  /** Whether our table is in the kernel (`nft list tables`: names only, cheap at any size). */
  async tableExists(): Promise<boolean> {
    const fam = nftFamily(this.family).nft;
    const r = await this.exec('nft', ['list', 'tables', fam]);
    // Unknown: say it exists, so the atomic path is taken.
    if (r.code !== 0) return true;
    return r.stdout.split('\n').some((l) => l.trim() === `table ${fam} ${TABLE}`);
  }

  /**
   * What is gone of our table: the table itself (`nft delete table`), or the dispatch rule of the
   * `services` chain, which every sync writes (`nft flush table` / `flush chain` remove it).
   */
  async missingRules(): Promise<string[]> {
    const fam = nftFamily(this.family).nft;
    const r = await this.exec('nft', ['list', 'chain', fam, TABLE, 'services']);
    if (r.code !== 0) {
      const t = await this.exec('nft', ['list', 'table', fam, TABLE]);
      return [t.code !== 0 ? `table ${fam} ${TABLE} deleted` : `chain ${fam} ${TABLE} services deleted`];
    }
    return r.stdout.includes('vmap @service-ips') ? [] : [`table ${fam} ${TABLE} flushed`];
  }

  /** Cleanup is deleting our table (upstream CleanupLeftovers for nftables). */
  async cleanup(): Promise<void> {
    await this.exec('nft', ['delete', 'table', nftFamily(this.family).nft, TABLE]);
  }
}

export function nftablesBackend(state: ProxyState, options: ProxyOptions, applier: NFTablesApplier): SyncBackend<PreparedNFTablesSync> {
  const syncer = new NFTablesSyncer(state, options);
  return {
    mode: 'nftables',
    prepare: () => syncer.prepare(),
    apply: (p) => applier.applySync(p),
    commit: (p, ok) => syncer.commit(p, ok),
    forceFullSync: () => syncer.forceFullSync(),
    missingRules: () => applier.missingRules(),
    observe(p, m) {
      m.noLocalEndpoints.set({ traffic_policy: 'internal', ip_family: state.family }, p.noLocalInternal);
      m.noLocalEndpoints.set({ traffic_policy: 'external', ip_family: state.family }, p.noLocalExternal);
    },
  };
}

export function createNFTablesProxier(
  family: IPFamily,
  options: ProxyOptions,
  opts: ProxierOptions & { exec?: Exec } = {},
): { proxier: Proxier<PreparedNFTablesSync>; applier: NFTablesApplier } {
  const exec = opts.exec ? { exec: opts.exec } : {};
  const applier = new NFTablesApplier(family, exec);
  const conntrack = opts.conntrack ?? new ConntrackCleaner(family, exec);
  const proxier = new Proxier(family, options, (state) => nftablesBackend(state, options, applier), { ...opts, conntrack });
  return { proxier, applier };
}
