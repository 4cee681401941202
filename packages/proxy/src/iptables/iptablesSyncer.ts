import type { Clock } from '../core/clock.js';
import { realClock } from '../core/clock.js';
import type { ProxyOptions } from '../core/proxyOptions.js';
import type { ProxyState, SyncChanges } from '../core/proxyState.js';
import { ChainNameCache } from './chainNameCache.js';
import { renderIPTables } from './iptablesRenderer.js';
import type { IPTablesRenderResult } from './iptablesRenderer.js';

/** Upstream proxyutil.FullSyncPeriod: a full resync at least this often. */
export const FULL_SYNC_PERIOD_MS = 3_600_000;

export interface PreparedIPTablesSync {
  full: boolean;
  text: string;
  result: IPTablesRenderResult;
  changes: SyncChanges;
}

/**
 * The incremental part of the iptables proxier (upstream MinimizeIPTablesRestore): each sync
 * checks out the recorded changes and renders only the changed services' chains, plus the
 * top-level chains; a full ruleset on the first sync, after any failure, and every hour.
 */
export class IPTablesSyncer {
  private readonly names = new ChainNameCache();
  private existingNatChains = new Set<string>();
  private needFullSync = true;
  private lastFullSync = Number.NEGATIVE_INFINITY;
  private readonly clock: Clock;

  constructor(
    readonly state: ProxyState,
    private options: ProxyOptions,
    opts: { clock?: Clock; fullSyncPeriodMs?: number; hasRandomFully?: boolean } = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.fullSyncPeriodMs = opts.fullSyncPeriodMs ?? FULL_SYNC_PERIOD_MS;
    this.hasRandomFully = opts.hasRandomFully ?? false;
  }
  private readonly fullSyncPeriodMs: number;
  private readonly hasRandomFully: boolean;

  /** Forces the next sync to be full (node labels changed, rules were flushed by someone). */
  forceFullSync(): void {
    this.needFullSync = true;
  }

  setOptions(options: ProxyOptions): void {
    this.options = options;
    this.needFullSync = true;
  }

  /** Chains the kernel is known to hold (adds chains found by iptables-save, for cleanup). */
  noteExistingChains(chains: Iterable<string>): void {
    for (const c of chains) this.existingNatChains.add(c);
  }

  prepare(): PreparedIPTablesSync {
    const full = this.needFullSync || this.clock.now() - this.lastFullSync > this.fullSyncPeriodMs;
    const changes = this.state.checkout();
    const result = renderIPTables({
      family: this.state.family,
      services: this.state.services,
      endpoints: this.state.endpoints,
      options: this.options,
      full,
      changedServices: changes.updatedServices,
      existingNatChains: this.existingNatChains,
      hasRandomFully: this.hasRandomFully,
      names: this.names,
    });
    return { full, text: result.text, result, changes };
  }

  /**
   * Records the outcome of applying a prepared sync. After a failure the changes already checked
   * out are only in the full ruleset, so the next sync is full (as upstream).
   */
  commit(prepared: PreparedIPTablesSync, ok: boolean): void {
    if (!ok) {
      this.needFullSync = true;
      return;
    }
    this.existingNatChains = new Set(prepared.result.activeNatChains);
    this.needFullSync = false;
    if (prepared.full) this.lastFullSync = this.clock.now();
  }
}
