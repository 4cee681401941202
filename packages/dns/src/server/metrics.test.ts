import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DnsMetrics, metricNames } from './metrics.js';

describe('DnsMetrics: plain numbers on the hot path, prom-client at scrape time', () => {
  it('exports the same duration histogram as observing each request with prom-client', async () => {
    const ours = new Registry();
    const m = new DnsMetrics(ours, 'svcnet', () => ({}));
    const ref = new Registry();
    const h = new Histogram({
      name: metricNames('svcnet').duration, help: 'Histogram of the time (in seconds) each request took.', labelNames: ['type'],
      buckets: [0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192], registers: [ref],
    });
    // Exactly on bucket bounds, between them, above the last one, and for several types.
    const samples: [number, string, number][] = [
      [1, 'A', 0.00001], [1, 'A', 0.00025], [1, 'A', 0.0003], [28, 'AAAA', 0.002], [33, 'SRV', 0.75], [33, 'SRV', 9], [99, 'other', 0.01], [1, 'A', 8.192],
    ];
    for (const [qtype, type, s] of samples) {
      m.response(0, qtype, s);
      h.observe({ type }, s);
    }
    const name = metricNames('svcnet').duration;
    expect(await ours.getSingleMetricAsString(name)).toBe(await ref.getSingleMetricAsString(name));
    // A second scrape after more requests still matches (collect() replaces, never adds twice).
    m.response(0, 1, 0.001);
    h.observe({ type: 'A' }, 0.001);
    expect(await ours.getSingleMetricAsString(name)).toBe(await ref.getSingleMetricAsString(name));
  });

  it('counts an untimed response with the duration last recorded for its type', async () => {
    const ours = new Registry();
    const m = new DnsMetrics(ours, 'svcnet', () => ({}));
    const ref = new Registry();
    const h = new Histogram({ name: metricNames('svcnet').duration, help: 'Histogram of the time (in seconds) each request took.', labelNames: ['type'], buckets: [0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192], registers: [ref] });
    m.responseSampled(0, 1, 0.0003);
    m.responseAsLast(0, 1);
    m.responseAsLast(0, 1);
    m.responseSampled(0, 33, 0.003);
    m.responseAsLast(3, 33);
    for (const [type, s] of [['A', 0.0003], ['A', 0.0003], ['A', 0.0003], ['SRV', 0.003], ['SRV', 0.003]] as const) h.observe({ type }, s);
    const name = metricNames('svcnet').duration;
    expect(await ours.getSingleMetricAsString(name)).toBe(await ref.getSingleMetricAsString(name));
    expect(await ours.getSingleMetricAsString(metricNames('svcnet').responses)).toContain('rcode="NXDOMAIN"} 1');
  });

  it('keeps the sampled duration from table answers only: a slow forwarded answer does not leak into it', async () => {
    const ours = new Registry();
    const m = new DnsMetrics(ours, 'svcnet', () => ({}));
    const ref = new Registry();
    const h = new Histogram({ name: metricNames('svcnet').duration, help: 'Histogram of the time (in seconds) each request took.', labelNames: ['type'], buckets: [0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192], registers: [ref] });
    expect(m.needsSample(1)).toBe(true);
    m.responseSampled(0, 1, 0.0003); // a timed table answer
    expect(m.needsSample(1)).toBe(false);
    m.response(0, 1, 0.05); // a forwarded (or TCP, or table-miss) answer: slow
    m.responseAsLast(0, 1); // untimed table answers between samples
    m.responseAsLast(0, 1);
    for (const s of [0.0003, 0.05, 0.0003, 0.0003]) h.observe({ type: 'A' }, s);
    // A type with only slow answers has no sample: its first table answer must be timed.
    m.response(0, 33, 0.05);
    h.observe({ type: 'SRV' }, 0.05);
    expect(m.needsSample(33)).toBe(true);
    const name = metricNames('svcnet').duration;
    expect(await ours.getSingleMetricAsString(name)).toBe(await ref.getSingleMetricAsString(name));
  });

  it('counts an untimed answer of a never-sampled type in responses, not in the histogram with a made-up 0 s', async () => {
    const reg = new Registry();
    const m = new DnsMetrics(reg, 'svcnet', () => ({}));
    m.responseAsLast(0, 28);
    const text = await reg.metrics();
    expect(text).toContain('svcnet_dns_responses_total{rcode="NOERROR"} 1');
    expect(text).not.toContain('type="AAAA"');
  });

  it('counts requests by proto, family and type, and responses by rcode', async () => {
    const reg = new Registry();
    const m = new DnsMetrics(reg, 'svcnet', () => ({}));
    m.request(false, false, 1);
    m.request(false, false, 1);
    m.request(true, true, 33);
    m.response(3, 1, 0.0001);
    const text = await reg.metrics();
    expect(text).toContain('svcnet_dns_requests_total{proto="udp",family="1",type="A"} 2');
    expect(text).toContain('svcnet_dns_requests_total{proto="tcp",family="2",type="SRV"} 1');
    expect(text).toContain('svcnet_dns_responses_total{rcode="NXDOMAIN"} 1');
  });
});
