import { createSocket } from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsServer, RecordIndex } from '../src/index.js';
import { coreDnsHandlerFixture, seedFixture } from './fixtures.js';

/**
 * Byte-for-byte replies for a table of queries over real UDP and TCP sockets, against a snapshot
 * recorded before the hot path was optimised (test/__snapshots__/answers.golden.json): the fast
 * paths must send exactly what the plain path sent. Each query goes twice (first: compiled on
 * the way, second: served from the precompiled answer) and both replies must match.
 */
type Q = [label: string, name: string, type: dnsPacket.RecordType, opts?: { edns?: number; version?: number; doBit?: boolean; qclass?: number; rd?: boolean }];

const TABLE: Q[] = [
  ['ClusterIP A', 'svc1.testns.svc.cluster.local', 'A'],
  ['ClusterIP A, mixed case echoed', 'SVC1.TestNS.svc.CLUSTER.local', 'A'],
  ['dual-stack AAAA', 'svc-dual-stack.testns.svc.cluster.local', 'AAAA'],
  ['NODATA AAAA with SOA', 'svc1.testns.svc.cluster.local', 'AAAA'],
  ['headless two A', 'nginx.default.svc.cluster.local', 'A'],
  ['headless mixed case', 'NGINX.Default.svc.cluster.local', 'A'],
  ['StatefulSet pod name', 'web-0.nginx.default.svc.cluster.local', 'A'],
  ['named port SRV with additional', '_web._tcp.nginx.default.svc.cluster.local', 'SRV'],
  ['Service SRV', 'svc1.testns.svc.cluster.local', 'SRV'],
  ['SRV mixed case', '_HTTP._tcp.Svc1.testns.svc.cluster.local', 'SRV'],
  ['PTR of a ClusterIP', '20.0.96.10.in-addr.arpa', 'PTR'],
  ['PTR of an endpoint', '5.1.26.172.in-addr.arpa', 'PTR'],
  ['dns-version TXT', 'dns-version.cluster.local', 'TXT'],
  ['apex SOA', 'cluster.local', 'SOA'],
  ['apex NS with glue', 'cluster.local', 'NS'],
  ['NXDOMAIN service', 'svc0.testns.svc.cluster.local', 'A'],
  ['NXDOMAIN mixed case', 'Missing-7.Bench.svc.cluster.local', 'A'],
  ['NXDOMAIN no ready endpoint', 'notready.testns.svc.cluster.local', 'A'],
  ['namespace NODATA', 'testns.svc.cluster.local', 'A'],
  ['ExternalName CNAME', 'my-service.default.svc.cluster.local', 'CNAME'],
  ['ExternalName A without upstream', 'baidu.default.svc.cluster.local', 'A'],
  ['truncated without EDNS', 'big.testns.svc.cluster.local', 'A'],
  ['truncated at EDNS 512', 'big.testns.svc.cluster.local', 'A', { edns: 512 }],
  ['EDNS 4096 capped at our 1232: truncated', 'big.testns.svc.cluster.local', 'A', { edns: 4096 }],
  ['EDNS with DO echoed', 'svc1.testns.svc.cluster.local', 'A', { edns: 1232, doBit: true }],
  ['BADVERS', 'svc1.testns.svc.cluster.local', 'A', { edns: 1232, version: 1 }],
  ['class ANY', 'svc1.testns.svc.cluster.local', 'A', { qclass: 255 }],
  ['class CH refused', 'svc1.testns.svc.cluster.local', 'A', { qclass: 3 }],
  ['AXFR refused', 'cluster.local', 'AXFR'],
  ['outside the zone, no upstream', 'example.org', 'A'],
  ['no RD flag', 'svc1.testns.svc.cluster.local', 'A', { rd: false }],
];

function query(id: number, [, name, type, o = {}]: Q): Buffer {
  const msg = dnsPacket.encode({
    id, type: 'query', flags: o.rd === false ? 0 : dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    additionals: o.edns ? [{ name: '.', type: 'OPT', udpPayloadSize: o.edns, flags: o.doBit ? dnsPacket.DNSSEC_OK : 0, options: [] } as unknown as dnsPacket.Answer] : [],
  });
  const qEnd = 12 + name.length + 2 + 4;
  if (o.qclass) msg.writeUInt16BE(o.qclass, qEnd - 2);
  if (o.version) msg[qEnd + 6] = o.version; // OPT: name(1) type(2) size(2) extRcode(1) version(1)
  return msg;
}

/** Malformed and odd packets: the replies (or null for none) are part of the snapshot too. */
function oddPackets(): [string, Buffer][] {
  const ok = query(0x4242, TABLE[0]!);
  const two = Buffer.from(ok);
  two.writeUInt16BE(2, 4);
  const notimp = Buffer.from(ok);
  notimp[2] = (notimp[2]! & 0x87) | (2 << 3);
  return [
    ['FORMERR: two questions', two],
    ['NOTIMP: opcode 2', notimp],
    ['FORMERR: cut question', ok.subarray(0, 20)],
  ];
}

async function udpExchange(port: number, packets: Buffer[]): Promise<(string | null)[]> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const out: (string | null)[] = [];
  try {
    for (const p of packets) {
      const got = new Promise<string | null>((res) => {
        const t = setTimeout(() => { s.off('message', on); res(null); }, 1000);
        const on = (m: Buffer) => { clearTimeout(t); s.off('message', on); res(m.toString('hex')); };
        s.on('message', on);
      });
      s.send(p, port, '127.0.0.1');
      out.push(await got);
    }
  } finally {
    s.close();
  }
  return out;
}

async function tcpExchange(port: number, packets: Buffer[]): Promise<string[]> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((res, rej) => sock.once('connect', res).once('error', rej));
  let buf = Buffer.alloc(0);
  const waiters: ((b: Buffer) => void)[] = [];
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const n = buf.readUInt16BE(0);
      waiters.shift()?.(buf.subarray(2, 2 + n));
      buf = buf.subarray(2 + n);
    }
  });
  const out: string[] = [];
  try {
    for (const p of packets) {
      const got = new Promise<Buffer>((res, rej) => {
        waiters.push(res);
        setTimeout(() => rej(new Error('no TCP answer within 2 s')), 2000).unref();
      });
      const len = Buffer.alloc(2);
      len.writeUInt16BE(p.length);
      sock.write(Buffer.concat([len, p]));
      out.push((await got).toString('hex'));
    }
  } finally {
    sock.destroy();
  }
  return out;
}

// Both UDP paths: Node's handle driven directly (the default), and dgram's public API.
describe.each([true, false])('answers are byte-identical to the recorded snapshot (UDP and TCP, cold and warm; udpFastPath %s)', (udpFastPath) => {
  let server: DnsServer;
  let port = 0;
  beforeAll(async () => {
    const a = coreDnsHandlerFixture();
    const b = seedFixture();
    const idx = RecordIndex.from({ services: [...a.services, ...b.services], endpointSlices: [...a.endpointSlices, ...b.endpointSlices] });
    server = new DnsServer({ index: idx, listen: '127.0.0.1:0', upstreams: [], udpFastPath });
    port = (await server.start()).udp.port;
  });
  afterAll(() => server?.stop());

  it('replies match the snapshot byte for byte', async () => {
    const packets = TABLE.map((q, i) => query(0x1000 + i, q));
    const odd = oddPackets();
    const udpCold = await udpExchange(port, packets);
    const udpWarm = await udpExchange(port, packets);
    const tcp = await tcpExchange(port, packets);
    const oddReplies = await udpExchange(port, odd.map(([, p]) => p));
    expect(udpWarm).toEqual(udpCold);
    const golden = {
      udp: Object.fromEntries(TABLE.map((q, i) => [q[0], udpCold[i]])),
      tcp: Object.fromEntries(TABLE.map((q, i) => [q[0], tcp[i]])),
      odd: Object.fromEntries(odd.map(([l], i) => [l, oddReplies[i]])),
    };
    await expect(`${JSON.stringify(golden, null, 1)}\n`).toMatchFileSnapshot('./__snapshots__/answers.golden.json');
  });
});
