import type { EndpointSlice, Service } from '@svcnet/model';
import { BoundedFrequencyRunner } from '../core/boundedFrequencyRunner.js';
import type { Clock } from '../core/clock.js';
import { realClock } from '../core/clock.js';
import type { ProxyOptions } from '../core/proxyOptions.js';
import { ProxyState } from '../core/proxyState.js';
import type { SyncChanges } from '../core/proxyState.js';
import type { IPFamily } from '../core/types.js';
import type { ProxyMetrics } from './metrics.js';
import { proxyMetrics } from './metrics.js';

/** What a mode plugs into the shared proxier loop: render, apply, and learn the outcome. */
export interface SyncBackend<P extends { full: boolean; changes: SyncChanges }> {
  readonly mode: string;
  prepare(): P;
  apply(prepared: P): Promise<void>;
  commit(prepared: P, ok: boolean): void;
  /** Metrics specific to the mode after a successful apply. */
  observe?(prepared: P, metrics: ProxyMetrics): void;
}

export interface ProxierLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: ProxierLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

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
}

export interface ProxierOptions {
  clock?: Clock;
  metrics?: ProxyMetrics;
  logger?: ProxierLogger;
  /** Called after every successful sync (health-check servers refresh from here). */
  onSynced?: (state: ProxyState) => void;
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

  constructor(
    family: IPFamily,
    readonly options: ProxyOptions,
    makeBackend: (state: ProxyState) => SyncBackend<P>,
    private readonly opts: ProxierOptions = {},
  ) {
    this.state = new ProxyState(family, options.nodeName);
    this.backend = makeBackend(this.state);
    this.clock = opts.clock ?? realClock;
    this.metrics = opts.metrics ?? proxyMetrics();
    this.logger = opts.logger ?? silentLogger;
    this.status = { mode: this.backend.mode, family, syncs: 0, failures: 0 };
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
  }

  stop(): void {
    this.runner.stop();
  }

  getStatus(): ProxierStatus {
    return { ...this.status };
  }

  /**
   * Upstream ProxyHealthServer: healthy unless a queued change has waited longer than
   * `2 * syncPeriod` without a successful sync.
   */
  isHealthy(now = this.clock.now()): boolean {
    const q = this.status.queuedAt;
    return q === undefined || now - q < 2 * this.options.syncPeriodMs;
  }

  /** One sync now, outside the runner's schedule (tests, `--once`). Throws when applying fails. */
  async syncProxyRules(): Promise<void> {
    const start = performance.now();
    const queuedBefore = this.status.queuedAt;
    const prepared = this.backend.prepare();
    const family = { ip_family: this.family };
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
    this.opts.onSynced?.(this.state);
  }

  /** Resolves when no sync is running. */
  idle(): Promise<void> {
    return this.runner.idle();
  }
}
