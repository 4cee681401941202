import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Query types with their own label value; the rest count as "other" (as CoreDNS's type label). */
const TYPES = ['A', 'AAAA', 'SRV', 'PTR', 'TXT', 'CNAME', 'NS', 'SOA', 'MX', 'ANY', 'other'] as const;
/** Label index per query type below 256 (all of TYPES are); a typed array, not a Map, on the hot path. */
const TYPE_INDEX = new Uint8Array(256).fill(10);
for (const [qtype, i] of [[1, 0], [28, 1], [33, 2], [12, 3], [16, 4], [5, 5], [2, 6], [6, 7], [15, 8], [255, 9]] as const) TYPE_INDEX[qtype] = i;
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
/** CoreDNS's request duration buckets (plugin/metrics/vars: 0.25 ms doubling to about 8 s). */
const BUCKETS = [0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192];
/** `lastBucket` of a type no table answer has been timed for yet (real buckets are 0..BUCKETS.length). */
const NO_SAMPLE = 255;

/** What prom-client keeps per label set of a histogram (lib/histogram.js createBaseValues). */
interface HistogramValues {
  labels: Record<string, string>;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

export const typeIndex = (qtype: number): number => (qtype < 256 ? TYPE_INDEX[qtype]! : 10);

/** Metric names, declared once (CoreDNS's coredns_dns_*, coredns_cache_*, coredns_forward_* under a prefix). */
export function metricNames(prefix: string) {
  return {
    requests: `${prefix}_dns_requests_total`,
    responses: `${prefix}_dns_responses_total`,
    duration: `${prefix}_dns_request_duration_seconds`,
    cacheHits: `${prefix}_dns_cache_hits_total`,
    cacheMisses: `${prefix}_dns_cache_misses_total`,
    cacheEntries: `${prefix}_dns_cache_entries`,
    forwardRequests: `${prefix}_dns_forward_requests_total`,
    forwardFailures: `${prefix}_dns_forward_failures_total`,
    forwardUnwanted: `${prefix}_dns_forward_unwanted_replies_total`,
    dropped: `${prefix}_dns_dropped_total`,
    aclBlocked: `${prefix}_dns_acl_blocked_requests_total`,
    aclAllowed: `${prefix}_dns_acl_allowed_requests_total`,
  };
}

export interface MetricSources {
  cache?: { hits: number; misses: number; size: number };
  forwarder?: { requests: number; failures: number; unwanted: number };
  /** True when the server has a client ACL (the acl counters are exported only then). */
  acl?: boolean;
}

/** A server's counters as plain data: what a DNS worker reports to the parent that exports them. */
export interface DnsMetricCounts {
  requests: number[][];
  responses: number[];
  durations: number[][];
  dropped: number;
  aclBlocked: number;
  cache?: { hits: number; misses: number; size: number };
  forwarder?: { requests: number; failures: number; unwanted: number };
}

/**
 * Counters and the duration histogram kept as plain numbers on the hot path and copied into
 * prom-client at scrape time (`collect()`), so a query costs a few array increments: prom-client's
 * own `observe` builds a label hash string and closures on every call.
 */
export class DnsMetrics {
  /** requests[proto*2 + family][typeIndex]: proto 0 udp / 1 tcp, family 0 IPv4 / 1 IPv6. */
  readonly requests = Array.from({ length: 4 }, () => new Float64Array(TYPES.length));
  readonly responses = new Float64Array(24);
  dropped = 0;
  /** Requests answered REFUSED because the client is outside the ACL (CoreDNS acl `block`). */
  aclBlocked = 0;
  /** Per type: a count per bucket (not cumulative, as prom-client keeps them), then sum and count. */
  private readonly durations = TYPES.map(() => new Float64Array(BUCKETS.length + 2));
  /**
   * Per type: the last duration `responseSampled` recorded and its bucket, for `responseAsLast`.
   * Only timed table answers set them (a forwarded or TCP answer takes far longer, and must not
   * stand in for the table answers between samples); NO_SAMPLE until the first.
   */
  private readonly lastSeconds = new Float64Array(TYPES.length);
  private readonly lastBucket = new Uint8Array(TYPES.length).fill(NO_SAMPLE);

  /**
   * `refresh`: awaited before a scrape reads the counters (the parent of DNS workers fetches theirs
   * into this object then, see `load`); concurrent collects share one call.
   */
  constructor(registry: Registry, prefix: string, sources: () => MetricSources, refresh?: () => Promise<void>) {
    const n = metricNames(prefix);
    const self = this;
    // prom-client awaits a collect that returns a promise (lib/counter.js get()).
    const fresh = <T>(fill: (this: T) => void) =>
      refresh
        ? function (this: T): Promise<void> {
            return refresh().then(() => fill.call(this));
          }
        : fill;
    new Counter({
      name: n.requests,
      help: 'Counter of DNS requests made per protocol, family and type.',
      labelNames: ['proto', 'family', 'type'],
      registers: [registry],
      collect: fresh(function (this: Counter) {
        this.reset();
        for (let i = 0; i < 4; i++) {
          const row = self.requests[i]!;
          for (let t = 0; t < TYPES.length; t++) {
            if (row[t]) this.inc({ proto: i >> 1 ? 'tcp' : 'udp', family: i & 1 ? '2' : '1', type: TYPES[t]! }, row[t]);
          }
        }
      }),
    });
    new Counter({
      name: n.responses,
      help: 'Counter of response status codes.',
      labelNames: ['rcode'],
      registers: [registry],
      collect: fresh(function (this: Counter) {
        this.reset();
        self.responses.forEach((v, rc) => v && this.inc({ rcode: RCODES[rc] ?? (rc === 16 ? 'BADVERS' : String(rc)) }, v));
      }),
    });
    new Histogram({
      name: n.duration,
      help: 'Histogram of the time (in seconds) each request took.',
      labelNames: ['type'],
      buckets: BUCKETS,
      registers: [registry],
      collect: fresh(function (this: Histogram) {
        this.reset();
        const map = (this as unknown as { hashMap: Record<string, HistogramValues> }).hashMap;
        self.durations.forEach((d, t) => {
          const count = d[BUCKETS.length + 1]!;
          if (!count) return;
          this.zero({ type: TYPES[t]! });
          const v = Object.values(map).find((e) => e.labels.type === TYPES[t])!;
          BUCKETS.forEach((b, i) => (v.bucketValues[b] = d[i]!));
          v.sum = d[BUCKETS.length]!;
          v.count = count;
        });
      }),
    });
    const counterFrom = (name: string, help: string, read: () => number | undefined) =>
      new Counter({ name, help, registers: [registry], collect: fresh(function (this: Counter) { this.reset(); const v = read(); if (v) this.inc(v); }) });
    counterFrom(n.cacheHits, 'The count of cache hits.', () => sources().cache?.hits);
    counterFrom(n.cacheMisses, 'The count of cache misses.', () => sources().cache?.misses);
    counterFrom(n.forwardRequests, 'Counter of requests made per upstream.', () => sources().forwarder?.requests);
    counterFrom(n.forwardFailures, 'Counter of upstream requests that failed or timed out.', () => sources().forwarder?.failures);
    counterFrom(n.forwardUnwanted, 'Counter of datagrams on an upstream query\'s socket that were not its reply (wrong ID, question or flags): spoofing attempts or a confused upstream.', () => sources().forwarder?.unwanted);
    // CoreDNS acl: blocked and allowed requests. Allowed is counted at scrape time (every request
    // the ACL let through), so the hot path pays only for the blocked ones.
    counterFrom(n.aclBlocked, 'Counter of DNS requests being blocked (answered REFUSED: the client is outside the allowed networks).', () => (sources().acl ? self.aclBlocked : undefined));
    counterFrom(n.aclAllowed, 'Counter of DNS requests being allowed by the client ACL.', () => (sources().acl ? self.totalRequests() - self.aclBlocked : undefined));
    counterFrom(n.dropped, 'Counter of packets dropped without an answer (malformed or not queries).', () => self.dropped);
    new Gauge({ name: n.cacheEntries, help: 'The number of elements in the cache.', registers: [registry], collect: fresh(function (this: Gauge) { this.set(sources().cache?.size ?? 0); }) });
  }

  /** The counters as plain data (`sources` adds the cache's and forwarder's). */
  counts(sources: MetricSources): DnsMetricCounts {
    return {
      requests: this.requests.map((r) => [...r]),
      responses: [...this.responses],
      durations: this.durations.map((d) => [...d]),
      dropped: this.dropped,
      aclBlocked: this.aclBlocked,
      ...(sources.cache ? { cache: { hits: sources.cache.hits, misses: sources.cache.misses, size: sources.cache.size } } : {}),
      ...(sources.forwarder ? { forwarder: { requests: sources.forwarder.requests, failures: sources.forwarder.failures, unwanted: sources.forwarder.unwanted } } : {}),
    };
  }

  /** Sets the counters to the sum of `all` (the workers' counts), for the scrape that follows. */
  load(all: readonly DnsMetricCounts[]): void {
    for (const row of this.requests) row.fill(0);
    this.responses.fill(0);
    for (const d of this.durations) d.fill(0);
    this.dropped = 0;
    this.aclBlocked = 0;
    for (const c of all) {
      c.requests.forEach((row, i) => row.forEach((v, t) => (this.requests[i]![t]! += v)));
      c.responses.forEach((v, i) => (this.responses[i]! += v));
      c.durations.forEach((d, t) => d.forEach((v, i) => (this.durations[t]![i]! += v)));
      this.dropped += c.dropped;
      this.aclBlocked += c.aclBlocked;
    }
  }

  /** Every request counted by `request`, all protocols, families and types. */
  totalRequests(): number {
    let n = 0;
    for (const row of this.requests) for (const v of row) n += v;
    return n;
  }

  request(tcp: boolean, v6: boolean, qtype: number): void {
    this.requests[(tcp ? 2 : 0) + (v6 ? 1 : 0)]![typeIndex(qtype)]!++;
  }

  /** A timed response (any path). */
  response(rcode: number, qtype: number, seconds: number): void {
    this.observe(rcode, typeIndex(qtype), seconds);
  }

  /**
   * A timed answer served from the compiled table: recorded as `response`, and kept as the
   * duration `responseAsLast` gives the untimed table answers of its type that follow.
   */
  responseSampled(rcode: number, qtype: number, seconds: number): void {
    const t = typeIndex(qtype);
    this.lastSeconds[t] = seconds;
    this.lastBucket[t] = this.observe(rcode, t, seconds);
  }

  /** True until `responseSampled` has recorded a table answer of this type: the server times that one. */
  needsSample(qtype: number): boolean {
    return this.lastBucket[typeIndex(qtype)] === NO_SAMPLE;
  }

  /**
   * A table answer that was not timed, counted with the duration last sampled for its type: for the
   * server's sampled timing of answers served straight from the compiled table, whose durations
   * hardly vary (two clock reads cost a good share of such an answer's JavaScript). Without a
   * sample yet (the server avoids this, see `needsSample`) it counts in responses only, rather than
   * in the histogram with a made-up duration.
   */
  responseAsLast(rcode: number, qtype: number): void {
    this.responses[rcode & 0x1f]!++;
    const t = typeIndex(qtype);
    const b = this.lastBucket[t]!;
    if (b === NO_SAMPLE) return;
    const d = this.durations[t]!;
    if (b < BUCKETS.length) d[b]!++;
    d[BUCKETS.length]! += this.lastSeconds[t]!;
    d[BUCKETS.length + 1]!++;
  }

  /** Counts the response and its duration under type index `t`; returns the bucket it fell in. */
  private observe(rcode: number, t: number, seconds: number): number {
    this.responses[rcode & 0x1f]!++;
    const d = this.durations[t]!;
    let b = 0;
    while (b < BUCKETS.length && seconds > BUCKETS[b]!) b++;
    if (b < BUCKETS.length) d[b]!++; // above the last bucket: only +Inf (the count) has it
    d[BUCKETS.length]! += seconds;
    d[BUCKETS.length + 1]!++;
    return b;
  }
}
