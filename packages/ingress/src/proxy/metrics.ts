import { Counter, Registry } from 'prom-client';
import { StatusHistogram } from './statusHistogram.js';

/** Metric names, declared once (README's Metrics section lists the same). */
export const METRIC_NAMES = {
  requests: 'svcnet_ingress_requests_total',
  duration: 'svcnet_ingress_request_duration_seconds',
  upstreamRetries: 'svcnet_ingress_upstream_retries_total',
  upstreamErrors: 'svcnet_ingress_upstream_errors_total',
  tlsReloads: 'svcnet_ingress_tls_certificate_reloads_total',
} as const;

const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The router's Prometheus metrics. Requests and their durations go through StatusHistogram (one
 * Map lookup per request, no label hashing); the rare events use prom-client's classes.
 */
export class IngressMetrics {
  readonly registry: Registry;
  private readonly requests: StatusHistogram;
  private readonly retries: Counter;
  private readonly errors: Counter<'reason'>;
  private readonly reloads: Counter;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    this.requests = new StatusHistogram(
      DURATION_BUCKETS,
      { name: METRIC_NAMES.duration, help: 'Time from request to the end of the response, by HTTP status code.' },
      { name: METRIC_NAMES.requests, help: 'Requests answered, by HTTP status code.' },
    );
    this.requests.registerIn(registry);
    this.retries = new Counter({ name: METRIC_NAMES.upstreamRetries, help: 'Requests retried on another endpoint after a connect failure.', registers: [registry] });
    this.errors = new Counter({ name: METRIC_NAMES.upstreamErrors, help: 'Upstream failures, by reason.', labelNames: ['reason'], registers: [registry] });
    this.reloads = new Counter({ name: METRIC_NAMES.tlsReloads, help: 'TLS certificates (re)loaded from Secrets.', registers: [registry] });
  }

  observe(status: number, seconds: number): void {
    this.requests.observe(status, seconds);
  }

  retry(): void {
    this.retries.inc();
  }

  upstreamError(reason: string): void {
    this.errors.labels(reason).inc();
  }

  tlsReload(): void {
    this.reloads.inc();
  }
}
