import { systemClock, type Clock } from '@svcnet/store';
import type { ProxyOptions } from '../core/proxyOptions.js';
import type { ProxyState, SyncChanges } from '../core/proxyState.js';
import { isServiceChainName } from './chainNames.js';
import { IPTablesRenderCache } from './iptablesRenderCache.js';
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
  /** Rendered fragments of the last sync; a partial sync re-renders only changed services. */
  readonly cache = new IPTablesRenderCache();
  /**
   * What renders changed since the last successful restore, per chain at its first change: true
   * = it was in the kernel and got dropped, false = it was added (not in the kernel yet). With
   * the chains iptables-save found, that is all a sync needs to know to delete stale chains
   * without looking at every chain.
   */
  private touched = new Map<string, boolean>();
  private noted = new Set<string>();
  private needFullSync = true;
  private lastFullSync = Number.NEGATIVE_INFINITY;
  private readonly clock: Clock;

  constructor(
    readonly state: ProxyState,
    private options: ProxyOptions,
    opts: { clock?: Clock; fullSyncPeriodMs?: number; hasRandomFully?: boolean } = {},
  ) {
    this.clock = opts.clock ?? systemClock;
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
    for (const c of chains) this.noted.add(c);
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
      portKeysOf: (key) => this.state.portKeysOf(key),
      staleNatChains: this.staleChains(),
      addedNatChains: this.addedChains(),
      hasRandomFully: this.hasRandomFully,
      cache: this.cache,
    });
    for (const c of result.droppedNatChains) if (!this.touched.has(c)) this.touched.set(c, true);
    for (const c of result.addedNatChains) if (!this.touched.has(c)) this.touched.set(c, false);
    return { full, text: result.text, result, changes };
  }

  /**
   * Adds to the first sync the deletion of the service chains iptables-save found at startup
   * (known only once that sync was prepared): a second nat block that flushes, then deletes, each
   * one the ruleset does not use. Rendering the whole first sync again for them would double the
   * cold-start render (and count it twice). They are noted too, so that a retry after a failed
   * first sync (always full) renders their deletion itself.
   */
  deleteLeftovers(prepared: PreparedIPTablesSync, found: Iterable<string>): void {
    const chains = [...new Set(found)];
    this.noteExistingChains(chains);
    const { activeNatChains: active, deletedChains: deleted } = prepared.result;
    const done = new Set(deleted);
    const leftovers = chains.filter((c) => isServiceChainName(c) && !active.has(c) && !done.has(c)).sort();
    if (!leftovers.length) return;
    prepared.text += ['*nat', ...leftovers.map((c) => `:${c} - [0:0]`), ...leftovers.map((c) => `-X ${c}`), 'COMMIT', ''].join('\n');
    deleted.push(...leftovers);
  }

  private staleChains(): string[] {
    const out = [...this.noted];
    for (const [c, inKernel] of this.touched) if (inKernel) out.push(c);
    return out;
  }

  private addedChains(): Set<string> {
    const out = new Set<string>();
    for (const [c, inKernel] of this.touched) if (!inKernel) out.add(c);
    return out;
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
    // The kernel now holds exactly the active chains (the deleted ones are gone).
    this.touched = new Map();
    this.noted = new Set();
    this.needFullSync = false;
    if (prepared.full) this.lastFullSync = this.clock.now();
  }
}
