import { describeWith, dig as digBinary } from '@svcnet/testkit';
import { createSocket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DnsServer, RecordIndex } from '../src/index.js';
import { dig } from './dig.js';
import { coreDnsHandlerFixture, seedFixture } from './fixtures.js';

describeWith('dns server answers dig over UDP and TCP', [digBinary], () => {
  let server: DnsServer;
  let port = 0;
  beforeAll(async () => {
    const a = coreDnsHandlerFixture();
    const b = seedFixture();
    const idx = RecordIndex.from({ services: [...a.services, ...b.services], endpointSlices: [...a.endpointSlices, ...b.endpointSlices] });
    server = new DnsServer({ index: idx, listen: '127.0.0.1:0', upstreams: [], httpListen: '127.0.0.1:0' });
    port = (await server.start()).udp.port;
  });
  afterAll(() => server?.stop());

  for (const transport of ['+notcp', '+tcp']) {
    it(`seed: headless nginx with two ready pods answers two A records (${transport})`, async () => {
      const r = await dig(port, [transport, 'nginx.default.svc.cluster.local']);
      expect(r.status).toBe('NOERROR');
      expect(r.flags).toContain('aa');
      expect(r.answer.sort()).toEqual(['nginx.default.svc.cluster.local. 5 IN A 172.26.1.5', 'nginx.default.svc.cluster.local. 5 IN A 172.26.2.5']);
    });

    it(`seed: StatefulSet pod names resolve (${transport})`, async () => {
      const r = await dig(port, [transport, 'web-0.nginx.default.svc.cluster.local']);
      expect(r.answer).toEqual(['web-0.nginx.default.svc.cluster.local. 5 IN A 172.26.1.5']);
      const srv = await dig(port, [transport, '_web._tcp.nginx.default.svc.cluster.local', 'SRV']);
      expect(srv.answer.sort()).toEqual([
        '_web._tcp.nginx.default.svc.cluster.local. 5 IN SRV 0 50 80 web-0.nginx.default.svc.cluster.local.',
        '_web._tcp.nginx.default.svc.cluster.local. 5 IN SRV 0 50 80 web-1.nginx.default.svc.cluster.local.',
      ]);
      expect(srv.additional.sort()).toEqual(['web-0.nginx.default.svc.cluster.local. 5 IN A 172.26.1.5', 'web-1.nginx.default.svc.cluster.local. 5 IN A 172.26.2.5']);
    });

    it(`seed: ExternalName answers a CNAME (${transport})`, async () => {
      const r = await dig(port, [transport, 'my-service.default.svc.cluster.local', 'CNAME']);
      expect(r.answer).toEqual(['my-service.default.svc.cluster.local. 5 IN CNAME my.database.example.com.']);
      const a = await dig(port, [transport, 'baidu.default.svc.cluster.local']);
      expect(a.answer).toEqual(['baidu.default.svc.cluster.local. 5 IN CNAME www.baidu.com.']);
    });

    it(`NXDOMAIN and NODATA carry the SOA (${transport})`, async () => {
      const nx = await dig(port, [transport, 'svc0.testns.svc.cluster.local']);
      expect(nx.status).toBe('NXDOMAIN');
      expect(nx.authority).toEqual([expect.stringMatching(/^cluster\.local\. 5 IN SOA ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 5$/)]);
      const nodata = await dig(port, [transport, 'svc1.testns.svc.cluster.local', 'AAAA']);
      expect(nodata.status).toBe('NOERROR');
      expect(nodata.answer).toEqual([]);
      expect(nodata.authority).toHaveLength(1);
      const notReady = await dig(port, [transport, 'notready.testns.svc.cluster.local']);
      expect(notReady.status).toBe('NXDOMAIN');
    });
  }

  it('answers SRV, PTR, TXT, apex SOA and NS, and echoes the question case', async () => {
    const srv = await dig(port, ['_http._tcp.svc1.testns.svc.cluster.local', 'SRV']);
    expect(srv.answer).toEqual(['_http._tcp.svc1.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc1.testns.svc.cluster.local.']);
    expect(srv.additional).toEqual(['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1']);
    expect((await dig(port, ['-x', '10.96.0.20'])).answer).toEqual(['20.0.96.10.in-addr.arpa. 5 IN PTR hostname.default.svc.cluster.local.']);
    expect((await dig(port, ['-x', '172.26.1.5'])).answer).toEqual(['5.1.26.172.in-addr.arpa. 5 IN PTR web-0.nginx.default.svc.cluster.local.']);
    expect((await dig(port, ['dns-version.cluster.local', 'TXT'])).answer).toEqual(['dns-version.cluster.local. 28800 IN TXT "1.1.0"']);
    expect((await dig(port, ['cluster.local', 'SOA'])).answer).toHaveLength(1);
    const ns = await dig(port, ['cluster.local', 'NS']);
    expect(ns.answer).toEqual(['cluster.local. 5 IN NS ns.dns.cluster.local.']);
    expect(ns.additional).toEqual(['ns.dns.cluster.local. 5 IN A 127.0.0.1']);
    const mixed = await dig(port, ['SVC1.TestNS.svc.CLUSTER.local']);
    expect(mixed.answer).toEqual(['SVC1.TestNS.svc.CLUSTER.local. 5 IN A 10.0.0.1']);
  });

  it('sends the records that fit with TC when an answer does not fit UDP (as CoreDNS), and the full answer over TCP', async () => {
    // 100 A records of 16 bytes after a 46-byte header and question: 29 fit in 512 bytes without
    // EDNS, 73 in 1232 with its OPT (miekg/dns Msg.Truncate keeps whole records that fit).
    const udp = await dig(port, ['+ignore', '+noedns', 'big.testns.svc.cluster.local']);
    expect(udp.flags).toContain('tc');
    expect(udp.answer).toHaveLength(29);
    const edns = await dig(port, ['+ignore', '+notcp', '+bufsize=1232', 'big.testns.svc.cluster.local']);
    expect(edns.flags).toContain('tc');
    expect(edns.answer).toHaveLength(73);
    expect(edns.edns).toMatch(/udp: 1232/);
    for (const line of [...udp.answer, ...edns.answer]) expect(line).toMatch(/^big\.testns\.svc\.cluster\.local\. 5 IN A 10\.\d+\.\d+\.\d+$/);
    const tcp = await dig(port, ['+tcp', 'big.testns.svc.cluster.local']);
    expect(tcp.flags).not.toContain('tc');
    expect(tcp.answer).toHaveLength(100);
    // dig's default: EDNS 1232, truncated, then retried over TCP by dig itself.
    expect((await dig(port, ['big.testns.svc.cluster.local'])).answer).toHaveLength(100);
  });

  it('honours the EDNS0 buffer size and echoes OPT; BADVERS for EDNS versions other than 0', async () => {
    const small = await dig(port, ['+ignore', '+bufsize=512', 'big.testns.svc.cluster.local']);
    expect(small.flags).toContain('tc');
    expect(small.edns).toMatch(/udp: 1232/);
    const large = await dig(port, ['+ignore', '+bufsize=4096', '_http._tcp.hdls1.testns.svc.cluster.local', 'SRV']);
    expect(large.flags).not.toContain('tc');
    expect(large.answer).toHaveLength(5);
    expect((await dig(port, ['+noedns', 'svc1.testns.svc.cluster.local'])).edns).toBeUndefined();
    expect((await dig(port, ['+edns=1', '+noednsnegotiation', 'svc1.testns.svc.cluster.local'])).status).toBe('BADVERS');
  });

  it('answers REFUSED outside the zone when no upstream is configured, and refuses AXFR', async () => {
    expect((await dig(port, ['example.org'])).status).toBe('REFUSED');
    expect((await dig(port, ['+notcp', 'cluster.local', 'AXFR'])).raw).toMatch(/REFUSED|Transfer failed/);
  });

  it('serves /health, /ready and Prometheus metrics named like CoreDNS', async () => {
    const base = `http://127.0.0.1:${server.addresses.http!.port}`;
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/svcnet_dns_requests_total\{proto="udp",family="1",type="A"\} \d+/);
    expect(text).toMatch(/svcnet_dns_responses_total\{rcode="NXDOMAIN"\} \d+/);
    expect(text).toMatch(/svcnet_dns_request_duration_seconds_bucket\{le="0.00025",type="A"\} \d+/);
    expect(text).toContain('svcnet_dns_cache_hits_total');
  });

  it('counts every UDP answer in requests, responses and the duration histogram (timing is sampled)', async () => {
    const metric = async (name: string, labels: string, series = name) => {
      const text = await server.registry.getSingleMetricAsString(name);
      return Number(new RegExp(`^${series}\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    };
    const histogramCount = () => metric('svcnet_dns_request_duration_seconds', 'type="SRV"', 'svcnet_dns_request_duration_seconds_count');
    const before = {
      req: await metric('svcnet_dns_requests_total', 'proto="udp",family="1",type="SRV"'),
      count: await histogramCount(),
    };
    const query = dnsPacket.encode({ id: 7, type: 'query', questions: [{ name: '_web._tcp.nginx.default.svc.cluster.local', type: 'SRV' }] });
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    try {
      for (let i = 0; i < 50; i++) {
        const reply = new Promise<Buffer>((res, rej) => {
          const t = setTimeout(() => rej(new Error('no UDP answer within 2 s')), 2000);
          s.once('message', (m) => (clearTimeout(t), res(m)));
        });
        s.send(query, port, '127.0.0.1');
        expect(dnsPacket.decode(await reply).answers).toHaveLength(2);
      }
    } finally {
      s.close();
    }
    expect(await metric('svcnet_dns_requests_total', 'proto="udp",family="1",type="SRV"')).toBe(before.req + 50);
    expect(await histogramCount()).toBe(before.count + 50);
  });
});
