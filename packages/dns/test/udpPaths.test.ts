import dgram from 'node:dgram';
import { type Requirement, describeWith, dig as digBinary, reusePort } from '@svcnet/testkit';
import * as dnsPacket from 'dns-packet';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DnsServer, DnsWorkers, RecordIndex, type UdpPath } from '../src/index.js';
import { loadUdpBatchAddon } from '../src/server/udpBatchAddon.js';
import { dig } from './dig.js';
import { seedFixture } from './fixtures.js';
import { TestResolver } from './testResolver.js';

// The key UDP behaviours once per path (decision 017): the native batch (recvmmsg/sendmmsg) and the
// per-datagram fast path, each held to the bytes a server on dgram's public API sends for the same
// datagrams. Queries go in bursts sent in one tick, so they wait on the socket together and the
// native path reads them as a batch (dig alone sends one query, which libuv reads before any batch).

const nativeAddon: Requirement = {
  name: 'native UDP addon',
  check: () => {
    const r = loadUdpBatchAddon();
    return 'reason' in r ? `${r.reason} (needs gcc and libc6-dev: npm run setup:system, then node packages/dns/scripts/build-native.mjs --check)` : undefined;
  },
};

const HOST = 'hostname.default.svc.cluster.local';
const BIG = 'big.testns.svc.cluster.local'; // 100 A records: more than a UDP reply holds

function query(id: number, name: string, type: dnsPacket.RecordType = 'A', udpSize?: number): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name }],
    ...(udpSize ? { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: udpSize } as dnsPacket.Answer] } : {}),
  });
}

/**
 * Every datagram sent in one tick from a socket on `from`; the replies in arrival order, once `want`
 * have come (and 50 ms more for any beyond), or `quietMs` passed without one (junk gets none), 8 s at most.
 */
async function burst(port: number, datagrams: Buffer[], want = Infinity, from = '127.0.0.1', quietMs = 400): Promise<Buffer[]> {
  const v6 = from.includes(':');
  const s = dgram.createSocket(v6 ? 'udp6' : 'udp4');
  await new Promise<void>((r) => s.bind(0, from, () => r()));
  const got: Buffer[] = [];
  try {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(end);
        clearTimeout(quiet);
        resolve();
      };
      const end = setTimeout(done, 8000);
      let quiet = setTimeout(done, quietMs);
      s.on('message', (m) => {
        got.push(m);
        clearTimeout(quiet);
        quiet = setTimeout(done, got.length >= want ? 50 : quietMs);
      });
      for (const d of datagrams) s.send(d, port, v6 ? '::1' : '127.0.0.1');
    });
  } finally {
    s.close();
  }
  return got;
}

/** Replies keyed by their id (the bursts below give every query its own). */
const byId = (replies: Buffer[]) => new Map(replies.map((r) => [r.readUInt16BE(0), r.toString('hex')]));

const paths: { path: UdpPath; native: boolean; needs: Requirement[] }[] = [
  { path: 'native-batch', native: true, needs: [digBinary, nativeAddon] },
  { path: 'fast-path', native: false, needs: [digBinary] },
];

for (const { path, native, needs } of paths) {
  describeWith(`dns UDP on the ${path} path answers as dgram's public API does`, needs, () => {
    const servers: DnsServer[] = [];
    let server: DnsServer;
    let reference: DnsServer;
    let port = 0;
    let refPort = 0;
    let aclPort = 0;
    let aclRefPort = 0;
    let fwdPort = 0;
    const up = new TestResolver(Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}.example.test`, `192.0.2.${i}`])), {
      hold: Array.from({ length: 200 }, (_, i) => `h${i}.example.test`),
    });
    const started = async (o: { udpFastPath: boolean; allow?: string[]; upstreams?: string[]; upstreamTimeoutMs?: number }) => {
      const s = new DnsServer({ index: RecordIndex.from(seedFixture()), listen: '127.0.0.1:0', upstreams: [], cache: false, udpNative: o.udpFastPath ? native : false, ...o });
      servers.push(s);
      return { s, port: (await s.start()).udp.port };
    };

    beforeAll(async () => {
      ({ s: server, port } = await started({ udpFastPath: true }));
      ({ s: reference, port: refPort } = await started({ udpFastPath: false }));
      aclPort = (await started({ udpFastPath: true, allow: ['127.0.0.1/32'] })).port;
      aclRefPort = (await started({ udpFastPath: false, allow: ['127.0.0.1/32'] })).port;
      await up.start();
      fwdPort = (await started({ udpFastPath: true, upstreams: [`127.0.0.1:${up.port}`], upstreamTimeoutMs: 1000 })).port;
    });
    afterAll(async () => {
      for (const s of servers) await s.stop();
      up.release();
      up.stop();
    });

    it(`runs on the ${path} path`, () => {
      expect(server.udpPath).toBe(path);
      expect(reference.udpPath).toBe('dgram');
    });

    it('answers a burst of cluster questions (A, AAAA, SRV, NXDOMAIN, EDNS, BADVERS) byte for byte as the public API', async () => {
      const names: [string, dnsPacket.RecordType, number?][] = [
        [HOST, 'A'], [HOST, 'AAAA'], ['_web._tcp.nginx.default.svc.cluster.local', 'SRV', 1232], ['nginx.default.svc.cluster.local', 'A', 4096],
        ['missing.default.svc.cluster.local', 'A'], ['web-0.nginx.default.svc.cluster.local', 'A', 1232], ['my-service.default.svc.cluster.local', 'A'],
      ];
      // Twice over: the first round compiles the answers, the second is answered from the table.
      for (let round = 0; round < 2; round++) {
        const qs = Array.from({ length: 140 }, (_, i) => {
          const [name, type, size] = names[i % names.length]!;
          return query(round * 1000 + i, name, type, size);
        });
        const bad = Buffer.from(qs[0]!);
        bad.writeUInt16BE(round * 1000 + 999, 0);
        bad[bad.length - 9] = 1; // EDNS version 1: BADVERS
        const sent = [...qs, query(round * 1000 + 998, HOST, 'A', 1232), bad];
        const before = server.udpBatched;
        const [ours, theirs] = [await burst(port, sent, sent.length), await burst(refPort, sent, sent.length)];
        expect(theirs).toHaveLength(sent.length);
        expect(byId(ours)).toEqual(byId(theirs));
        if (native) expect(server.udpBatched).toBeGreaterThan(before);
        else expect(server.udpBatched).toBe(0);
      }
      expect(dnsPacket.decode(Buffer.from(byId(await burst(port, [query(7, HOST)], 1)).get(7)!, 'hex')).answers).toEqual([expect.objectContaining({ data: '10.96.0.20' })]);
      // and dig, one query at a time
      expect((await dig(port, ['+notcp', HOST])).answer).toEqual([`${HOST}. 5 IN A 10.96.0.20`]);
    });

    it('sets TC on answers too big for the client\'s UDP size, as the public API does', async () => {
      const sent = Array.from({ length: 60 }, (_, i) => query(i, BIG, 'A', i % 2 ? 1232 : undefined));
      const [ours, theirs] = [await burst(port, sent, sent.length), await burst(refPort, sent, sent.length)];
      expect(byId(ours)).toEqual(byId(theirs));
      for (const r of ours) {
        expect(r[2]! & 0x02).toBe(0x02); // TC
        expect(r.length).toBeLessThanOrEqual(r.readUInt16BE(0) % 2 ? 1232 : 512);
      }
    });

    it('refuses clients outside --dns-allow (RA clear) and answers the allowed one, in bursts', async () => {
      const sent = Array.from({ length: 80 }, (_, i) => query(i, i % 2 ? HOST : 'missing.default.svc.cluster.local'));
      for (const from of ['127.0.0.1', '127.0.0.2']) {
        const [ours, theirs] = [await burst(aclPort, sent, sent.length, from), await burst(aclRefPort, sent, sent.length, from)];
        expect(ours).toHaveLength(sent.length);
        expect(byId(ours)).toEqual(byId(theirs));
        const rcodes = new Set(ours.map((r) => r[3]! & 0xf));
        expect([...rcodes].sort()).toEqual(from === '127.0.0.1' ? [0, 3] : [5]); // NOERROR + NXDOMAIN, or REFUSED
        if (from === '127.0.0.2') for (const r of ours) expect(r[3]! & 0x80).toBe(0);
      }
    });

    it('over IPv6 (::1) matches the ACL against the client address as the socket reports it', async () => {
      const sent = Array.from({ length: 80 }, (_, i) => query(i, HOST));
      for (const [allow, rcode] of [['::1/128', 0], ['::2/128', 5]] as const) {
        const s = new DnsServer({ index: RecordIndex.from(seedFixture()), listen: '[::1]:0', upstreams: [], allow: [allow], udpNative: native });
        servers.push(s);
        const replies = await burst((await s.start()).udp.port, sent, sent.length, '::1');
        expect(s.udpPath).toBe(path);
        expect(replies).toHaveLength(sent.length);
        expect(new Set(replies.map((r) => r[3]! & 0xf))).toEqual(new Set([rcode]));
      }
    });

    it('forwards a burst of names outside the zone, each reply (answer or SERVFAIL) with its own query\'s ID and question', async () => {
      // A forwarded query outlives its batch slot (the upstream answers later, or never: then the
      // SERVFAIL is written from the query's bytes), so it must keep its own bytes, not the slot's,
      // which the burst's later batches (200 queries: more than one batch of 64) overwrite.
      const name = (i: number) => (i % 2 ? `f${i}.example.test` : `h${i}.example.test`); // h*: the upstream never answers
      const sent = Array.from({ length: 200 }, (_, i) => query(i, name(i), 'A', i % 3 ? 1232 : undefined));
      // The SERVFAILs come after the upstream timeout (1 s, long enough for a loaded machine's f* answers).
      const replies = await burst(fwdPort, sent, sent.length, '127.0.0.1', 3000);
      expect(replies).toHaveLength(sent.length);
      for (const r of replies) {
        const d = dnsPacket.decode(r);
        const id = r.readUInt16BE(0);
        expect(d.questions).toEqual([expect.objectContaining({ name: name(id) })]);
        if (id % 2) expect(d.answers).toEqual([expect.objectContaining({ name: name(id), data: `192.0.2.${id}` })]);
        else expect(r[3]! & 0xf).toBe(2); // SERVFAIL
      }
    });

    it('survives malformed datagrams inside a burst and answers the queries among them', async () => {
      let seed = 20261207;
      const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
      const junk = Array.from({ length: 120 }, () => {
        const b = Buffer.alloc(Math.floor(rnd() * 80));
        for (let j = 0; j < b.length; j++) b[j] = Math.floor(rnd() * 256);
        if (b.length > 4) b[2] = 0; // a query's flags: reach the question parser
        if (b.length > 2) b.writeUInt16BE(0xf000 | (b.readUInt16BE(0) & 0x0fff), 0); // ids apart from the good queries'
        return b;
      });
      const good = Array.from({ length: 40 }, (_, i) => query(i, HOST));
      const sent = junk.flatMap((j, i) => (i % 3 === 0 ? [j, good[i / 3]!] : [j]));
      const theirs = await burst(refPort, sent);
      const ours = await burst(port, sent, theirs.length);
      // The same number of replies (FORMERR, NOTIMP, REFUSED or none for each junk datagram) ...
      expect(ours.length).toBe(theirs.length);
      expect(ours.map((r) => r.toString('hex')).sort()).toEqual(theirs.map((r) => r.toString('hex')).sort());
      // ... and every good query answered.
      const answered = ours.filter((r) => r.readUInt16BE(0) < 40 && (r[3]! & 0xf) === 0);
      expect(answered.length).toBe(40);
      expect((await dig(port, ['+notcp', HOST])).status).toBe('NOERROR');
    });
  });
}

describeWith('dns UDP: the native path is required, or refused, when asked', [], () => {
  it('fails to start with the reason when udpNative is true and the path cannot run', async () => {
    const s = new DnsServer({ index: RecordIndex.from(seedFixture()), listen: '127.0.0.1:0', upstreams: [], udpFastPath: false, udpNative: true });
    await expect(s.start()).rejects.toMatchObject({ code: 'NativeUnavailable', message: expect.stringMatching(/native UDP path is required.*udpFastPath: false/) });
    // the sockets it bound are closed again: the port can be bound by the next server
    await s.stop();
  });

  it('SVCNET_DNS_NATIVE=0 turns it off without a warning', async () => {
    const warnings: string[] = [];
    const saved = process.env['SVCNET_DNS_NATIVE'];
    process.env['SVCNET_DNS_NATIVE'] = '0';
    try {
      const s = new DnsServer({ index: RecordIndex.from(seedFixture()), listen: '127.0.0.1:0', upstreams: [], logger: { info: () => undefined, warn: (_o, m) => warnings.push(m) } });
      await s.start();
      expect(s.udpPath).toBe('fast-path');
      await s.stop();
    } finally {
      if (saved === undefined) delete process.env['SVCNET_DNS_NATIVE'];
      else process.env['SVCNET_DNS_NATIVE'] = saved;
    }
    expect(warnings).toEqual([]);
  });
});

describeWith('dns UDP: two workers on the native path', [digBinary, nativeAddon, reusePort], () => {
  let workers: DnsWorkers;
  let reference: DnsServer;
  beforeAll(async () => {
    workers = new DnsWorkers({ index: RecordIndex.from(seedFixture()), listen: '127.0.0.1:0', upstreams: [], workers: 2, udpNative: true });
    await workers.start();
    reference = new DnsServer({ index: RecordIndex.from(seedFixture()), listen: '127.0.0.1:0', upstreams: [], udpFastPath: false });
    await reference.start();
  });
  afterAll(async () => {
    await workers?.stop();
    await reference?.stop();
  });

  it('each worker reads its SO_REUSEPORT socket in batches and answers as the public API', async () => {
    expect(workers.udpPaths).toEqual(['native-batch', 'native-batch']);
    const port = workers.addresses.udp.port;
    // Several client sockets (ports), so the kernel's hash spreads the bursts over both workers.
    for (let c = 0; c < 6; c++) {
      const sent = Array.from({ length: 50 }, (_, i) => query(i, i % 2 ? HOST : BIG, 'A', i % 4 === 1 ? 1232 : undefined));
      const [ours, theirs] = [await burst(port, sent, sent.length), await burst(reference.addresses.udp.port, sent, sent.length)];
      expect(byId(ours)).toEqual(byId(theirs));
    }
    expect((await dig(port, ['+notcp', HOST])).answer).toEqual([`${HOST}. 5 IN A 10.96.0.20`]);
  });
});
