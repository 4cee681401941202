import { describeWith, dig as digBinary } from '@svcnet/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DnsServer, RecordIndex } from '../src/index.js';
import { dig } from './dig.js';
import { seedFixture } from './fixtures.js';
import { TestResolver } from './testResolver.js';

// Issue 22 finding 5: a client ACL as CoreDNS's acl plugin (`allow net 127.0.0.1; block`), over real
// UDP and TCP with dig: 127.0.0.1 is allowed, 127.0.0.2 (loopback too, via `dig -b`) is not.

const CLUSTER = 'hostname.default.svc.cluster.local';
const FORWARDED = 'example.test';

describeWith('dns client ACL (CoreDNS acl) with dig from an allowed and a refused source', [digBinary], () => {
  let up: TestResolver;
  const servers: DnsServer[] = [];
  let fast: DnsServer;
  let port = 0;
  let slowPort = 0;

  beforeAll(async () => {
    up = new TestResolver({ [FORWARDED]: '192.0.2.1' });
    await up.start();
    const make = (udpFastPath: boolean) => {
      const s = new DnsServer({ index: RecordIndex.from(seedFixture()), listen: '127.0.0.1:0', upstreams: [`127.0.0.1:${up.port}`], allow: ['127.0.0.1/32'], udpFastPath });
      servers.push(s);
      return s;
    };
    fast = make(true);
    port = (await fast.start()).udp.port;
    slowPort = (await make(false).start()).udp.port;
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    up?.stop();
  });

  for (const transport of ['+notcp', '+tcp']) {
    it(`answers the allowed client and refuses the other, cluster zone and forwarded names alike (${transport})`, async () => {
      // Allowed first, so the cluster answer is compiled and the refused client's query meets a warm
      // table on the UDP fast path: the ACL must come before it.
      const cluster = await dig(port, ['-b', '127.0.0.1', transport, CLUSTER]);
      expect(cluster.status).toBe('NOERROR');
      expect(cluster.answer).toEqual([`${CLUSTER}. 5 IN A 10.96.0.20`]);
      const forwarded = await dig(port, ['-b', '127.0.0.1', transport, FORWARDED]);
      expect(forwarded.status).toBe('NOERROR');
      expect(forwarded.answer).toEqual([expect.stringMatching(/^example\.test\. \d+ IN A 192\.0\.2\.1$/)]);

      const asked = up.asked.length;
      for (const name of [CLUSTER, FORWARDED, 'never-asked.example.test']) {
        const r = await dig(port, ['-b', '127.0.0.2', transport, name]);
        expect(r.status, name).toBe('REFUSED');
        expect(r.answer, name).toEqual([]);
        expect(r.flags, name).not.toContain('ra'); // no recursion for this client
        expect(r.raw, name).toContain(`;${name}.`); // the question is echoed, as CoreDNS's SetRcode does
      }
      expect(up.asked.length).toBe(asked); // nothing refused reached the upstream
    });
  }

  it('refuses over dgram\'s public API too (udpFastPath false)', async () => {
    expect((await dig(slowPort, ['-b', '127.0.0.1', CLUSTER])).status).toBe('NOERROR');
    expect((await dig(slowPort, ['-b', '127.0.0.2', CLUSTER])).status).toBe('REFUSED');
    expect((await dig(slowPort, ['-b', '127.0.0.2', FORWARDED])).status).toBe('REFUSED');
  });

  it('counts blocked and allowed requests (CoreDNS coredns_acl_*_requests_total)', async () => {
    const text = await fast.registry.metrics();
    // Two transports x three refused names; allowed: two per transport and the loop probe never
    // counts (it is the server's own query, not a request).
    expect(text).toMatch(/^svcnet_dns_acl_blocked_requests_total 6$/m);
    expect(text).toMatch(/^svcnet_dns_acl_allowed_requests_total 4$/m);
    expect(text).toMatch(/^svcnet_dns_responses_total\{rcode="REFUSED"\} 6$/m);
  });
});
