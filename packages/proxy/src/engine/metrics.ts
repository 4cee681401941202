import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Upstream kube-proxy metric names (pkg/proxy/metrics), declared once. */
export const METRIC_NAMES = {
  syncProxyRules: 'kubeproxy_sync_proxy_rules_duration_seconds',
  syncFullProxyRules: 'kubeproxy_sync_full_proxy_rules_duration_seconds',
  syncPartialProxyRules: 'kubeproxy_sync_partial_proxy_rules_duration_seconds',
  restoreFailures: 'kubeproxy_sync_proxy_rules_iptables_restore_failures_total',
  partialRestoreFailures: 'kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total',
  networkProgramming: 'kubeproxy_network_programming_duration_seconds',
  lastTimestamp: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds',
  rulesTotal: 'kubeproxy_sync_proxy_rules_iptables_total',
  noLocalEndpoints: 'kubeproxy_sync_proxy_rules_no_local_endpoints_total',
  lastQueuedTimestamp: 'kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds',
  // svcnet's own (upstream logs these events but has no metric for them):
  rulesMissing: 'svcnet_proxy_rules_missing_total',
  conntrackDeleted: 'svcnet_proxy_conntrack_entries_deleted_total',
  conntrackFailures: 'svcnet_proxy_conntrack_cleanup_failures_total',
  invalidObjects: 'svcnet_proxy_invalid_objects',
} as const;

// Upstream buckets: exponential from 1ms, factor 2, 15 buckets; network programming 0.25s..
const syncBuckets = Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i);
const npBuckets = [0.25, 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 120, 180, 240, 300];

export interface ProxyMetrics {
  registry: Registry;
  syncProxyRules: Histogram<'ip_family'>;
  syncFullProxyRules: Histogram<'ip_family'>;
  syncPartialProxyRules: Histogram<'ip_family'>;
  restoreFailures: Counter<'ip_family'>;
  partialRestoreFailures: Counter<'ip_family'>;
  networkProgramming: Histogram<'ip_family'>;
  lastTimestamp: Gauge<'ip_family'>;
  lastQueuedTimestamp: Gauge<'ip_family'>;
  rulesTotal: Gauge<'table' | 'ip_family'>;
  noLocalEndpoints: Gauge<'traffic_policy' | 'ip_family'>;
  rulesMissing: Counter<'ip_family'>;
  conntrackDeleted: Counter<'ip_family'>;
  conntrackFailures: Counter<'ip_family'>;
  invalidObjects: Gauge<'kind' | 'reason' | 'ip_family'>;
}

const cache = new WeakMap<Registry, ProxyMetrics>();

/** The proxy's metrics registered on `registry` (once per registry; a fresh Registry by default). */
export function proxyMetrics(registry: Registry = new Registry()): ProxyMetrics {
  const hit = cache.get(registry);
  if (hit) return hit;
  const registers = [registry];
  const fam = ['ip_family'] as const;
  const m: ProxyMetrics = {
    registry,
    syncProxyRules: new Histogram({ name: METRIC_NAMES.syncProxyRules, help: 'SyncProxyRules latency in seconds', labelNames: fam, buckets: syncBuckets, registers }),
    syncFullProxyRules: new Histogram({ name: METRIC_NAMES.syncFullProxyRules, help: 'SyncProxyRules latency in seconds for full resyncs', labelNames: fam, buckets: syncBuckets, registers }),
    syncPartialProxyRules: new Histogram({ name: METRIC_NAMES.syncPartialProxyRules, help: 'SyncProxyRules latency in seconds for partial resyncs', labelNames: fam, buckets: syncBuckets, registers }),
    restoreFailures: new Counter({ name: METRIC_NAMES.restoreFailures, help: 'Cumulative proxy iptables restore failures', labelNames: fam, registers }),
    partialRestoreFailures: new Counter({ name: METRIC_NAMES.partialRestoreFailures, help: 'Cumulative proxy iptables partial restore failures', labelNames: fam, registers }),
    networkProgramming: new Histogram({ name: METRIC_NAMES.networkProgramming, help: 'In Cluster Network Programming Latency in seconds', labelNames: fam, buckets: npBuckets, registers }),
    lastTimestamp: new Gauge({ name: METRIC_NAMES.lastTimestamp, help: 'The last time proxy rules were successfully synced', labelNames: fam, registers }),
    lastQueuedTimestamp: new Gauge({ name: METRIC_NAMES.lastQueuedTimestamp, help: 'The last time a sync of proxy rules was queued', labelNames: fam, registers }),
    rulesTotal: new Gauge({ name: METRIC_NAMES.rulesTotal, help: 'Total number of iptables rules owned by kube-proxy', labelNames: ['table', 'ip_family'] as const, registers }),
    noLocalEndpoints: new Gauge({ name: METRIC_NAMES.noLocalEndpoints, help: 'Number of services with a Local traffic policy and no endpoints', labelNames: ['traffic_policy', 'ip_family'] as const, registers }),
    rulesMissing: new Counter({ name: METRIC_NAMES.rulesMissing, help: 'Times the rule monitor found the proxy rules flushed or deleted from outside (canary missing) and forced a full sync', labelNames: fam, registers }),
    conntrackDeleted: new Counter({ name: METRIC_NAMES.conntrackDeleted, help: 'Conntrack entries deleted for removed UDP/SCTP endpoints and newly active services', labelNames: fam, registers }),
    conntrackFailures: new Counter({ name: METRIC_NAMES.conntrackFailures, help: 'Conntrack cleanup commands that failed', labelNames: fam, registers }),
    invalidObjects: new Gauge({ name: METRIC_NAMES.invalidObjects, help: 'Services and EndpointSlices the proxy skips because a value of theirs cannot go into rules (kind, reason)', labelNames: ['kind', 'reason', 'ip_family'] as const, registers }),
  };
  cache.set(registry, m);
  return m;
}
