// Hostile packets to a running DnsServer on 127.0.0.1 over UDP and TCP: random bytes, truncated
// headers, compression loops, label floods, EDNS edge cases; slow TCP clients, connection floods
// and a flood from many source ports. Valid queries keep being answered (dig and in-process).
import { DnsServer, RecordIndex } from '@svcnet/dns';
import type { EndpointSlice, Service } from '@svcnet/model';
import { describeWith, dig } from '@svcnet/testkit';
import dgram from 'node:dgram';
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { answersOf, digShort, framed, query, tcpRaw, udpAsk } from '../support/dnsClient.js';
import { rssMiB, sleep } from '../support/objects.js';

const NAME = 'web.default.svc.cluster.local';
const WEB: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } };
const HEADLESS: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'default' }, spec: { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] } };
const DB_SLICE: EndpointSlice = {
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
  metadata: { name: 'db-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'db' } },
  addressType: 'IPv4',
  endpoints: Array.from({ length: 40 }, (_, i) => ({ addresses: [`10.244.0.${i + 1}`], conditions: { ready: true } })),
  ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
};

const hdr = (flags: number, qd: number, an = 0, ns = 0, ar = 0) => {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(0xbeef, 0);
  h.writeUInt16BE(flags, 2);
  h.writeUInt16BE(qd, 4);
  h.writeUInt16BE(an, 6);
  h.writeUInt16BE(ns, 8);
  h.writeUInt16BE(ar, 10);
  return h;
};
const q = (...parts: (number[] | Buffer)[]) => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
const question = Buffer.from(query(NAME).subarray(12));
const opt = (udp: number, ext = 0, version = 0, flags = 0, rdata: Buffer = Buffer.alloc(0), name = [0]) =>
  q(name, [0, 41, udp >> 8, udp & 255, ext, version, flags >> 8, flags & 255, rdata.length >> 8, rdata.length & 255], rdata);

/** Crafted packets: each must get a reply or silence, never a crash or a hang. */
const CRAFTED: ReadonlyArray<{ name: string; b: Buffer }> = [
  ...Array.from({ length: 12 }, (_, n) => ({ name: `truncated header of ${n} bytes`, b: hdr(0, 1).subarray(0, n) })),
  { name: 'pointer to itself', b: q(hdr(0, 1), [0xc0, 12, 0, 1, 0, 1]) },
  { name: 'two pointers to each other', b: q(hdr(0, 1), [0xc0, 14, 0xc0, 12, 0, 1, 0, 1]) },
  { name: 'pointer past the end', b: q(hdr(0, 1), [0xff, 0xff, 0, 1, 0, 1]) },
  { name: 'pointer chain of 100 hops', b: q(hdr(0, 1), [1, 0x61, 0], ...Array.from({ length: 100 }, (_, i) => [0xc0, i === 0 ? 12 : 15 + (i - 1) * 2]), [0, 1, 0, 1]) },
  { name: '127 one-byte labels', b: q(hdr(0, 1), ...Array.from({ length: 127 }, () => [1, 0x61]), [0, 0, 1, 0, 1]) },
  { name: '4000 empty-looking labels (no terminator)', b: q(hdr(0, 1), ...Array.from({ length: 4000 }, () => [1, 0x61])) },
  { name: 'reserved label type 0x80', b: q(hdr(0, 1), [0x80, 0x61, 0, 0, 1, 0, 1]) },
  { name: 'qdcount 65535 with one question', b: q(hdr(0, 65535), question) },
  { name: 'qdcount 0', b: hdr(0, 0) },
  { name: 'ancount/arcount 65535 and nothing behind', b: q(hdr(0, 1, 65535, 65535, 65535), question) },
  { name: 'EDNS udp size 0', b: q(hdr(0, 1, 0, 0, 1), question, opt(0)) },
  { name: 'EDNS udp size 65535', b: q(hdr(0, 1, 0, 0, 1), question, opt(65535)) },
  { name: 'EDNS version 255', b: q(hdr(0, 1, 0, 0, 1), question, opt(1232, 0, 255)) },
  { name: 'EDNS DO bit with extended rcode set', b: q(hdr(0, 1, 0, 0, 1), question, opt(1232, 0xff, 0, 0x8000)) },
  { name: 'EDNS option longer than its record', b: q(hdr(0, 1, 0, 0, 1), question, opt(1232, 0, 0, 0, Buffer.from([0, 10, 0xff, 0xff, 1, 2]))) },
  { name: 'EDNS record length past the end', b: q(hdr(0, 1, 0, 0, 1), question, [0, 0, 41, 4, 0, 0, 0, 0, 0, 0xff, 0xff]) },
  { name: 'EDNS with 2000 cookie options', b: q(hdr(0, 1, 0, 0, 1), question, opt(1232, 0, 0, 0, Buffer.concat(Array.from({ length: 2000 }, () => Buffer.from([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]))).subarray(0, 60000))) },
  { name: 'EDNS owner name not root', b: q(hdr(0, 1, 0, 0, 1), question, opt(1232, 0, 0, 0, Buffer.alloc(0), [1, 0x61, 0])) },
  { name: 'OPT in the answer section', b: q(hdr(0, 1, 1, 0, 0), question, opt(1232)) },
  { name: 'a response (QR set)', b: q(hdr(0x8000, 1), question) },
  { name: 'opcode UPDATE', b: q(hdr(0x2800, 1), question) },
  { name: 'class CHAOS, type ANY', b: q(hdr(0, 1), question.subarray(0, question.length - 4), [0, 255, 0, 3]) },
  { name: 'type AXFR', b: q(hdr(0, 1), question.subarray(0, question.length - 4), [0, 252, 0, 1]) },
];

describeWith('dns server under hostile packets', [dig], () => {
  let server: DnsServer;
  let port = 0;
  const checkUdp = async () => expect(answersOf(await udpAsk(port, query(NAME), 1000))).toEqual(['A 10.96.0.20']);

  beforeAll(async () => {
    const index = RecordIndex.from({ services: [WEB, HEADLESS], endpointSlices: [DB_SLICE] });
    server = new DnsServer({ index, listen: '127.0.0.1:0', upstreams: [], tcpIdleTimeoutMs: 400, maxTcpConnections: 20 });
    port = (await server.start()).udp.port;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each(CRAFTED)('$name: UDP and TCP get a reply or silence, valid queries still answered', async ({ b }) => {
    const r = await udpAsk(port, b, 150);
    if (r) expect(r.length).toBeGreaterThanOrEqual(12);
    const t = await tcpRaw(port, framed(b), 150);
    if (t.data.length) expect(t.data.readUInt16BE(0)).toBe(t.data.length - 2);
    await checkUdp();
  });

  it('property: random and mutated packets over UDP and TCP never stop the server', async () => {
    const before = rssMiB();
    const valid = query(NAME);
    const packets = fc.oneof(
      fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
      // A valid query with a few bytes changed: reaches the deeper parser paths.
      fc.tuple(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.nat(255)), { minLength: 1, maxLength: 6 }), fc.nat(valid.length)).map(([edits, cut]) => {
        const b = Buffer.from(valid);
        for (const [i, v] of edits) b[i] = v;
        return b.subarray(0, Math.max(cut, 2));
      }),
    );
    let replies = 0;
    await fc.assert(
      fc.asyncProperty(packets, fc.boolean(), async (b, tcp) => {
        if (tcp) {
          const t = await tcpRaw(port, framed(b), 60);
          if (t.data.length) replies++;
        } else if (await udpAsk(port, b, 40)) replies++;
      }),
      { numRuns: 300, seed: 53 },
    );
    await checkUdp();
    expect(await digShort(port, NAME)).toEqual(['10.96.0.20']);
    expect(await digShort(port, NAME, true)).toEqual(['10.96.0.20']);
    expect(rssMiB() - before).toBeLessThan(150);
    console.info(`[figures] dns fuzz: 300 random/mutated packets (${replies} replied), ${CRAFTED.length} crafted cases x UDP+TCP`);
  });

  it('slow TCP clients and more connections than allowed: UDP and later TCP queries still answered', async () => {
    const conns: net.Socket[] = [];
    for (let i = 0; i < 40; i++) {
      const c = net.connect(port, '127.0.0.1');
      c.on('error', () => undefined);
      conns.push(c);
    }
    // Half of them trickle a valid query one byte every 30 ms (slowloris); the rest say nothing.
    const msg = framed(query(NAME));
    const trickle = conns.slice(0, 20).map(async (c) => {
      for (let i = 0; i < Math.min(msg.length, 12) && !c.destroyed; i++) {
        c.write(msg.subarray(i, i + 1));
        await sleep(30);
      }
    });
    await checkUdp();
    expect(await digShort(port, NAME)).toEqual(['10.96.0.20']);
    await Promise.all(trickle);
    // The idle timeout (400 ms) closes every slow or silent connection.
    await sleep(900);
    expect(conns.filter((c) => !c.destroyed && c.readyState === 'open').length).toBe(0);
    for (const c of conns) c.destroy();
    expect(await digShort(port, NAME, true)).toEqual(['10.96.0.20']);
  });

  it('a flood from 200 source ports: valid queries answered throughout, memory bounded', async () => {
    const before = rssMiB();
    const sockets = Array.from({ length: 200 }, () => dgram.createSocket('udp4'));
    let answered = 0;
    let sent = 0;
    for (const s of sockets) s.on('message', (m) => (answersOf(m).includes('A 10.96.0.20') ? answered++ : undefined));
    await Promise.all(sockets.map((s) => new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))));
    for (let round = 0; round < 10; round++) {
      for (const [i, s] of sockets.entries()) {
        s.send(round % 2 ? query(NAME, 'A', i) : Buffer.from([i & 255, round, 0xff, 0xff, 0, 1]), port, '127.0.0.1');
        if (round % 2) sent++;
      }
      await sleep(20);
      // Valid queries from elsewhere are answered during the flood. Like any resolver (dig tries
      // 3 times), the probe retries: a loopback burst of 200 datagrams can overflow a socket buffer
      // and drop one datagram, which is UDP, not the server failing.
      if (round === 5) {
        let reply: Buffer | undefined;
        for (let attempt = 0; attempt < 3 && !reply; attempt++) reply = await udpAsk(port, query(NAME, 'A', 7000 + attempt), 500);
        expect(reply && answersOf(reply)).toEqual(['A 10.96.0.20']);
      }
    }
    await sleep(300);
    for (const s of sockets) s.close();
    // Loopback UDP drops some under a burst (socket buffers); most are answered, and every probe was.
    expect(answered).toBeGreaterThan(sent * 0.3);
    await checkUdp();
    expect(await digShort(port, 'db.default.svc.cluster.local', true)).toHaveLength(40);
    expect(rssMiB() - before).toBeLessThan(100);
    console.info(`[figures] dns flood: 200 source ports, ${sent} valid queries, ${answered} answered, ${sent} junk datagrams`);
  });
});
