import dgram from 'node:dgram';
import { describeWith, dig as digBinary } from '@svcnet/testkit';
import * as dnsPacket from 'dns-packet';
import { afterEach, expect, it } from 'vitest';
import { DnsServer, RecordIndex } from '../src/index.js';
import { dig } from './dig.js';
import { type SeenQuery, TestResolver } from './testResolver.js';

// RFC 5452 on loopback: the upstream is a TestResolver on 127.0.0.1; forged answers come from its
// own socket (what an off-path attacker forging the upstream's address puts on the wire) and from
// 127.0.0.2 (another address, the one loopback can show honestly). Issue 22 finding 3: with one
// socket for the process's life and Math.random IDs, 65,536 forged answers to the port the
// attacker had seen poisoned `victim.example.com A` for an hour.

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function resolver(records: Record<string, string>, o?: ConstructorParameters<typeof TestResolver>[1]): Promise<TestResolver> {
  const r = new TestResolver(records, o);
  await r.start();
  cleanup.push(() => r.stop());
  return r;
}

async function serve(upstream: TestResolver, upstreamTimeoutMs = 2000): Promise<{ server: DnsServer; port: number }> {
  const server = new DnsServer({ index: new RecordIndex(), listen: '127.0.0.1:0', upstreams: [`127.0.0.1:${upstream.port}`], upstreamTimeoutMs });
  const port = (await server.start()).udp.port;
  cleanup.push(() => server.stop());
  await server.loopCheck;
  return { server, port };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/** Polls `f` (each event-loop turn, then every 10 ms) until it returns something; at most 5 s. */
async function waitFor<T>(what: string, f: () => T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A forged answer: `victim.example.com A 6.6.6.6`, TTL 3600, for query ID `id`. */
function forged(id: number, o: { name?: string; type?: 'A' | 'AAAA'; response?: boolean } = {}): Buffer {
  const name = o.name ?? 'victim.example.com';
  const type = o.type ?? 'A';
  return dnsPacket.encode({
    id,
    type: o.response === false ? 'query' : 'response',
    flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: [{ name, type, class: 'IN' }],
    answers: [type === 'A' ? { name, type: 'A', ttl: 3600, data: '6.6.6.6' } : { name, type: 'AAAA', ttl: 3600, data: '2001:db8::6' }],
  });
}

describeWith('dns forwarder resists spoofed answers (RFC 5452) on loopback', [digBinary], () => {
  it('sends every upstream query from a fresh random source port with its own ID', async () => {
    const up = await resolver({});
    const { port } = await serve(up);
    const n = 8;
    for (let i = 0; i < n; i++) await dig(port, [`name-${i}.example.test`]);
    const queries = up.seen.filter((q) => q.name.startsWith('name-'));
    expect(queries).toHaveLength(n);
    // One socket for the process's life gave one port for all of them (issue 22: 9 queries, 1 port).
    // Kernel-chosen ephemeral ports are random over ~28,000: a repeat among 8 is rare, so most differ.
    expect(new Set(queries.map((q) => q.port)).size).toBeGreaterThan(n / 2);
    expect(new Set(queries.map((q) => q.id)).size).toBeGreaterThan(n / 2);
  });

  it('a flood of forged answers for every ID leaves the answer and the cache clean', async () => {
    const up = await resolver({ 'victim.example.com': '192.0.2.1', 'probe.attacker.test': '192.0.2.99' }, { hold: ['victim.example.com'] });
    // A long upstream timeout: the flood below must not outlast the query it races.
    const { server, port } = await serve(up, 20000);
    const spoofer = dgram.createSocket('udp4');
    cleanup.push(() => new Promise<void>((r) => spoofer.close(() => r())));
    spoofer.on('error', () => undefined);
    await new Promise<void>((r) => spoofer.bind(0, '127.0.0.2', () => r()));

    // 1. The attacker makes the server ask a name of theirs and learns the source port it used.
    expect((await dig(port, ['probe.attacker.test'])).answer).toEqual(['probe.attacker.test. 300 IN A 192.0.2.99']);
    const learned = up.seen.find((q) => q.name === 'probe.attacker.test')!.port;

    // 2. A client asks the victim name; the upstream holds its answer (a slow upstream).
    const first = dig(port, ['+time=30', 'victim.example.com']);
    const victim: SeenQuery = await waitFor('the victim query to reach the upstream', () => up.seen.find((q) => q.name === 'victim.example.com'));

    // 3. The flood: a forged answer for every one of the 65,536 IDs, from the upstream's own address
    //    and port to the port the attacker learned, and from 127.0.0.2 to the port the query really
    //    uses. A few at a time, yielding between them, so the server's socket reads every one (a
    //    flood faster than the reader would lose datagrams in the kernel and prove nothing).
    const template = forged(0);
    for (let id = 0; id < 0x10000; id += 8) {
      for (let k = id; k < id + 8; k++) {
        const b = Buffer.from(template);
        b.writeUInt16BE(k, 0);
        up.sendAs(b, learned);
        spoofer.send(b, victim.port, '127.0.0.1');
      }
      await tick();
    }
    // 4. The query's own port, ID and upstream address, but not its reply: another name, another
    //    type, a query instead of a response. Each is dropped and counted (checked at the end).
    up.sendAs(forged(victim.id, { name: 'other.example.com' }), victim.port);
    up.sendAs(forged(victim.id, { type: 'AAAA' }), victim.port);
    up.sendAs(forged(victim.id, { response: false }), victim.port);

    // 5. The real answer arrives (after those three: one socket to one socket keeps its order); the
    //    client gets it, and so does the next client, from the cache.
    up.release();
    const a = await first;
    expect(a.status).toBe('NOERROR');
    expect(a.answer).toEqual(['victim.example.com. 300 IN A 192.0.2.1']);
    const b = await dig(port, ['victim.example.com']);
    expect(b.answer).toEqual([expect.stringMatching(/^victim\.example\.com\. (300|299) IN A 192\.0\.2\.1$/)]);
    expect(up.seen.filter((q) => q.name === 'victim.example.com')).toHaveLength(1); // the second came from the cache
    expect(server.cache!.hits).toBeGreaterThanOrEqual(1);
    // Exactly those three reached the forwarder: the socket is connected to the upstream, so the
    // kernel dropped the 65,536 from 127.0.0.2, and the learned port was closed with its query.
    expect(server.forwarder!.unwanted).toBe(3);
    expect(await server.registry.metrics()).toMatch(/^svcnet_dns_forward_unwanted_replies_total 3$/m);
  });
});
