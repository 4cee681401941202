import { systemClock, type Clock } from '@svcnet/store';
import type { EndpointSlice, Service } from '@svcnet/model';
import { BoundedFrequencyRunner } from '../core/boundedFrequencyRunner.js';
import type { ProxyOptions } from '../core/proxyOptions.js';
import { ProxyState } from '../core/proxyState.js';
import type { SyncChanges } from '../core/proxyState.js';
import type { InvalidObject } from '../core/invalidObjects.js';
import type { ServingProblem } from '../core/servingProblem.js';
import type { IPFamily } from '../core/types.js';
import type { ProxyMetrics } from './metrics.js';
import { proxyMetrics } from './metrics.js';
import type { ConntrackCleaner } from './conntrack.js';
import { DEFAULT_MONITOR_INTERVAL_MS, RuleMonitor } from './ruleMonitor.js';
import { ServingProblemLog } from './servingProblemLog.js';
import { type ProxierLogger, silentLogger } from './proxierLogger.js';

export type { ProxierLogger } from './proxierLogger.js';

/** What a mode plugs into the shared proxier loop: render, apply, and learn the outcome. */
export interface SyncBackend<P extends { full: boolean; changes: SyncChanges }> {
  readonly mode: string;
  prepare(): P;
  apply(prepared: P): Promise<void>;
  commit(prepared: P, ok: boolean): void;
  /** Metrics specific to the mode after a successful apply. */
  observe?(prepared: P, metrics: ProxyMetrics): void;
  /** Makes the next sync full (upstream needFullSync = true). */
  forceFullSync?(): void;
  /**
   * The canaries of the rules this mode owns that are gone (flushed or deleted from outside);
   * empty when everything is in place. Polled by the rule monitor.
   */
  missingRules?(): Promise<string[]>;
  /** What the last apply could not serve as asked (the userspace engine's listeners). */
  servingProblems?(): ServingProblem[];
}

export interface ProxierStatus {
  mode: string;
  family: IPFamily;
  /** Epoch ms of the last successful sync, undefined before the first. */
  lastSyncAt?: number;
  lastSyncFull?: boolean;
  /** Epoch ms when the oldest unsynced change was queued, undefined when none waits. */
  queuedAt?: number;
  lastError?: string;
  syncs: number;
  failures: number;
  /** Times the rule monitor found our rules gone and forced a full sync. */
  rulesRestored: number;
  /** What the data plane does not serve as asked (only when there is something). */
  servingProblems?: ServingProblem[];
}

export interface ProxierOptions {
  clock?: Clock;
  metrics?: ProxyMetrics;
  logger?: ProxierLogger;
  /** Called after every successful sync (health-check servers refresh from here). */
  onSynced?: (state: ProxyState) => void;
  /**
   * Called as a sync takes the pending changes, synchronously: every change handed to the proxier
   * before this call is in the rules once the next `onSynced` comes (later ones may not be).
   */
  onSyncStart?: () => void;
  /**
   * How often the rule monitor checks the mode's canaries (upstream: every syncPeriod;
   * default 30 s). 0 turns the monitor off. It runs only between start() and stop().
   */
  monitorIntervalMs?: number;
  /** Deletes stale UDP/SCTP conntrack entries after each successful sync; false = never. */
  conntrack?: ConntrackCleaner | false;
}

/**
 * The shared proxier loop (upstream Proxier minus the mode): watch handlers record changes and
 * ask the bounded-frequency runner for a sync; a sync renders, applies, records metrics and, on
 * failure, keeps the last good ruleset in place and retries with backoff.
 */
export class Proxier<P extends { full: boolean; changes: SyncChanges }> {
  readonly state: ProxyState;
  readonly metrics: ProxyMetrics;
  private readonly runner: BoundedFrequencyRunner;
  private readonly clock: Clock;
  private readonly logger: ProxierLogger;
  private readonly status: ProxierStatus;
  private backend!: SyncBackend<P>;
  private readonly monitor: RuleMonitor | undefined;
  /** Set when the monitor forced a full sync that has not succeeded yet. */
  private repairPending = false;
  private readonly problemLog: ServingProblemLog;

  constructor(
    family: IPFamily,
    readonly options: ProxyOptions,
    makeBackend: (state: ProxyState) => SyncBackend<P>,
    private readonly opts: ProxierOptions = {},
  ) {
    this.state = new ProxyState(family, options.nodeName, { allowLoopback: options.allowLoopbackAddresses });
    this.backend = makeBackend(this.state);
    this.clock = opts.clock ?? systemClock;
    this.metrics = opts.metrics ?? proxyMetrics();
    this.logger = opts.logger ?? silentLogger;
    this.status = { mode: this.backend.mode, family, syncs: 0, failures: 0, rulesRestored: 0 };
    this.problemLog = new ServingProblemLog(this.backend.mode, family, this.logger);
    this.state.invalid.listen((now, before) => this.onInvalidObject(now, before));
    this.publishInvalidObjects();
    const interval = opts.monitorIntervalMs ?? DEFAULT_MONITOR_INTERVAL_MS;
    if (this.backend.missingRules && interval > 0) {
      this.monitor = new RuleMonitor(this.clock, interval, () => this.checkRules().then(() => undefined), (err) =>
        this.logger.warn({ mode: this.backend.mode, family: this.family, err: err.message }, 'rule monitor check failed'),
      );
    }
    this.runner = new BoundedFrequencyRunner(`${this.backend.mode}-sync-runner`, () => this.syncProxyRules(), {
      minIntervalMs: options.minSyncPeriodMs,
      maxIntervalMs: options.syncPeriodMs,
      burst: 2,
      clock: this.clock,
      retryBackoffMs: Math.max(options.minSyncPeriodMs, 250),
    });
  }

  get family(): IPFamily {
    return this.state.family;
  }

  onServiceUpdate(svc: Service): void {
    if (this.state.onServiceUpdate(svc)) this.queue();
  }
  onServiceDelete(svc: Service): void {
    if (this.state.onServiceDelete(svc)) this.queue();
  }
  onEndpointSliceUpdate(slice: EndpointSlice): void {
    if (this.state.onEndpointSliceUpdate(slice)) this.queue();
  }
  onEndpointSliceDelete(slice: EndpointSlice): void {
    if (this.state.onEndpointSliceDelete(slice)) this.queue();
  }

  private queue(): void {
    if (this.status.queuedAt === undefined) {
      this.status.queuedAt = this.clock.now();
      this.metrics.lastQueuedTimestamp.set({ ip_family: this.family }, this.status.queuedAt / 1000);
    }
    this.runner.run();
  }

  /** Starts periodic syncing (the first sync runs at once). */
  start(): void {
    this.runner.start();
    this.monitor?.start();
  }

  stop(): void {
    this.runner.stop();
    this.monitor?.stop();
  }

  /** Makes the next sync full and asks for it (upstream forceSyncProxyRules). */
  forceFullSync(): void {
    this.backend.forceFullSync?.();
    this.runner.run();
  }

  /**
   * One canary check (what the monitor runs every interval): when rules this proxier synced are
   * gone, logs it, counts it and forces a full sync. Returns what was missing. Nothing is
   * checked before the first successful sync or while a forced repair is still pending.
   */
  async checkRules(): Promise<string[]> {
    if (!this.backend.missingRules || this.status.syncs === 0 || this.repairPending) return [];
    const missing = await this.backend.missingRules();
    if (missing.length === 0 || this.repairPending) return missing;
    this.repairPending = true;
    this.status.rulesRestored++;
    this.metrics.rulesMissing.inc({ ip_family: this.family });
    this.logger.warn({ mode: this.backend.mode, family: this.family, missing }, 'proxy rules were flushed or deleted from outside; forcing a full sync');
    this.forceFullSync();
    return missing;
  }

  getStatus(): ProxierStatus {
    const problems = this.backend.servingProblems?.() ?? [];
    return { ...this.status, ...(problems.length ? { servingProblems: problems } : {}) };
  }

  /** The Services and EndpointSlices this proxier skips now, with the reason (sorted). */
  invalidObjects(): InvalidObject[] {
    return this.state.invalid.list();
  }

  /** Heard once per object per change (the trackers report as they record a watch event). */
  private onInvalidObject(now: InvalidObject | undefined, before: InvalidObject | undefined): void {
    const o = now ?? before!;
    const fields = { mode: this.backend.mode, family: this.family, kind: o.kind, key: o.key, reason: o.reason };
    if (now) this.logger.warn({ ...fields, err: now.message }, `proxy: skipping ${now.kind} "${now.key}": a value of it cannot go into rules`);
    else this.logger.info(fields, `proxy: ${o.kind} "${o.key}" is no longer skipped`);
    this.publishInvalidObjects();
  }

  private publishInvalidObjects(): void {
    for (const c of this.state.invalid.counts()) this.metrics.invalidObjects.set({ kind: c.kind, reason: c.reason, ip_family: this.family }, c.count);
  }

  /**
   * Upstream ProxyHealthServer: healthy unless a queued change has waited longer than
   * `2 * syncPeriod` without a successful sync.
   */
  isHealthy(now = this.clock.now()): boolean {
    const q = this.status.queuedAt;
    if (q !== undefined && now - q >= 2 * this.options.syncPeriodMs) return false;
    // svcnet's addition for the userspace engine: an address this node must serve and cannot.
    return !(this.backend.servingProblems?.() ?? []).some((p) => p.unhealthy);
  }

  /** One sync now, outside the runner's schedule (tests, `--once`). Throws when applying fails. */
  async syncProxyRules(): Promise<void> {
    const start = performance.now();
    const queuedBefore = this.status.queuedAt;
    this.opts.onSyncStart?.();
    const family = { ip_family: this.family };
    let prepared: P;
    try {
      prepared = this.backend.prepare();
    } catch (err) {
      // A renderer refused a value (UnsafeRuleValueError: something bypassed the trackers'
      // checks). Nothing was applied; the changes checked out now live only in a full render.
      this.backend.forceFullSync?.();
      this.status.failures++;
      this.status.lastError = (err as Error).message;
      this.logger.error({ mode: this.backend.mode, family: this.family, err: (err as Error).message }, 'sync failed while rendering; keeping the last good rules and retrying');
      if (this.status.queuedAt === undefined) this.status.queuedAt = queuedBefore ?? this.clock.now();
      throw err;
    }
    try {
      await this.backend.apply(prepared);
    } catch (err) {
      this.backend.commit(prepared, false);
      this.status.failures++;
      this.status.lastError = (err as Error).message;
      this.metrics.restoreFailures.inc(family);
      if (!prepared.full) this.metrics.partialRestoreFailures.inc(family);
      this.logger.error({ mode: this.backend.mode, family: this.family, full: prepared.full, err: (err as Error).message }, 'sync failed; keeping the last good rules and retrying');
      // The changes checked out are lost for partial syncs: the next sync is full.
      if (this.status.queuedAt === undefined) this.status.queuedAt = queuedBefore ?? this.clock.now();
      throw err;
    }
    this.backend.commit(prepared, true);
    if (prepared.full) this.repairPending = false;
    const seconds = (performance.now() - start) / 1000;
    this.metrics.syncProxyRules.observe(family, seconds);
    (prepared.full ? this.metrics.syncFullProxyRules : this.metrics.syncPartialProxyRules).observe(family, seconds);
    const now = this.clock.now();
    for (const times of prepared.changes.lastChangeTriggerTimes.values()) {
      for (const t of times) this.metrics.networkProgramming.observe(family, Math.max(0, (now - t) / 1000));
    }
    this.metrics.lastTimestamp.set(family, now / 1000);
    this.backend.observe?.(prepared, this.metrics);
    this.status.syncs++;
    this.status.lastSyncAt = now;
    this.status.lastSyncFull = prepared.full;
    delete this.status.lastError;
    if (!this.state.hasPendingChanges()) delete this.status.queuedAt;
    this.logger.info({ mode: this.backend.mode, family: this.family, full: prepared.full, changed: prepared.changes.updatedServices.size, seconds }, 'synced proxy rules');
    if (this.backend.servingProblems) this.problemLog.update(this.backend.servingProblems());
    await this.cleanConntrack(prepared.changes);
    this.opts.onSynced?.(this.state);
  }

  /** Upstream conntrack.CleanStaleEntries after a successful sync; failures are only logged. */
  private async cleanConntrack(changes: SyncChanges): Promise<void> {
    const ct = this.opts.conntrack;
    if (!ct || (changes.deletedUDPClusterIPs.size === 0 && changes.staleEndpoints.length === 0 && changes.newlyActiveServices.length === 0)) return;
    const family = { ip_family: this.family };
    try {
      const r = await ct.clean(this.state.services, changes);
      this.metrics.conntrackDeleted.inc(family, r.deleted);
      if (r.errors.length) {
        this.metrics.conntrackFailures.inc(family, r.errors.length);
        this.logger.warn({ family: this.family, errors: r.errors }, 'conntrack cleanup failed for some entries');
      }
    } catch (err) {
      this.metrics.conntrackFailures.inc(family);
      this.logger.warn({ family: this.family, err: (err as Error).message }, 'conntrack cleanup failed');
    }
  }

  /** Resolves when no sync is running. */
  idle(): Promise<void> {
    return this.runner.idle();
  }
}
