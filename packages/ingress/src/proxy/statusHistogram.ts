import type { Metric, MetricObjectWithValues, MetricValueWithName, Registry } from 'prom-client';

/** Counts, sum and per-bucket (non-cumulative) counts of one status code's observations. */
interface StatusStats {
  readonly status: string;
  count: number;
  sum: number;
  readonly buckets: Float64Array;
}

/**
 * Requests counted and timed by status code, read by a prom-client Registry as a histogram
 * (`<name>_bucket`, `_sum`, `_count`) and a counter, in prom-client's own export shape.
 * Why not prom-client's Histogram and Counter: their observe()/inc(), label children included,
 * convert, validate and hash the labels on every call, which was the largest item of the router's
 * own per-request work. Here a request costs a Map lookup by number and a few additions; the
 * export is built when the registry is scraped.
 */
export class StatusHistogram {
  private readonly stats = new Map<number, StatusStats>();

  constructor(
    private readonly buckets: readonly number[],
    private readonly duration: { name: string; help: string },
    private readonly requests: { name: string; help: string },
  ) {}

  observe(status: number, seconds: number): void {
    let s = this.stats.get(status);
    if (!s) {
      s = { status: String(status), count: 0, sum: 0, buckets: new Float64Array(this.buckets.length) };
      this.stats.set(status, s);
    }
    s.count++;
    s.sum += seconds;
    const b = this.buckets;
    for (let i = 0; i < b.length; i++) {
      if (seconds <= b[i]!) {
        s.buckets[i]!++;
        break;
      }
    }
  }

  /** Registers both metrics (as objects a Registry reads through get() and reset()). */
  registerIn(registry: Registry): void {
    registry.registerMetric(this.metric(this.duration, 'histogram', () => this.durationValues()));
    registry.registerMetric(this.metric(this.requests, 'counter', () => this.requestValues()));
  }

  private metric(m: { name: string; help: string }, type: 'histogram' | 'counter', values: () => MetricValueWithName<string>[]): Metric {
    const obj = {
      name: m.name,
      help: m.help,
      type,
      aggregator: 'sum' as const,
      get: async (): Promise<MetricObjectWithValues<MetricValueWithName<string>>> => ({ name: m.name, help: m.help, type: type as never, aggregator: 'sum', values: values(), collect: () => undefined }),
      reset: () => this.stats.clear(),
    };
    // A Registry needs only name, get() and reset() of a metric (prom-client's custom-metric contract);
    // the declared type lists its own classes, hence the cast.
    return obj as unknown as Metric;
  }

  private durationValues(): MetricValueWithName<string>[] {
    const out: MetricValueWithName<string>[] = [];
    const bucketName = `${this.duration.name}_bucket`;
    for (const s of this.stats.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        cumulative += s.buckets[i]!;
        out.push({ value: cumulative, labels: { le: this.buckets[i]!, status: s.status }, metricName: bucketName });
      }
      out.push({ value: s.count, labels: { le: '+Inf', status: s.status }, metricName: bucketName });
      out.push({ value: s.sum, labels: { status: s.status }, metricName: `${this.duration.name}_sum` });
      out.push({ value: s.count, labels: { status: s.status }, metricName: `${this.duration.name}_count` });
    }
    return out;
  }

  private requestValues(): MetricValueWithName<string>[] {
    return [...this.stats.values()].map((s) => ({ value: s.count, labels: { status: s.status } }));
  }
}
