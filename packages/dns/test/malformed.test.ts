import dgram from 'node:dgram';
import net from 'node:net';
import { describeWith, dig as digBinary } from '@svcnet/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DnsServer, RecordIndex } from '../src/index.js';
import { dig } from './dig.js';
import { seedFixture } from './fixtures.js';
import { TestResolver } from './testResolver.js';

/** Sends one datagram and waits up to `ms` for a reply (undefined when none comes). */
function ask(port: number, b: Buffer, ms = 300): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, ms);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(m);
    });
    s.send(b, port, '127.0.0.1');
  });
}

function header(flags: number, qd: number, an = 0, ns = 0, ar = 0): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(0x1234, 0);
  h.writeUInt16BE(flags, 2);
  h.writeUInt16BE(qd, 4);
  h.writeUInt16BE(an, 6);
  h.writeUInt16BE(ns, 8);
  h.writeUInt16BE(ar, 10);
  return h;
}

/** A small deterministic generator, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describeWith('dns server survives malformed input', [digBinary], () => {
  let server: DnsServer;
  let port = 0;
  let up: TestResolver;
  beforeAll(async () => {
    up = new TestResolver({}, { silent: true });
    await up.start();
    server = new DnsServer({ index: RecordIndex.from(seedFixture()), listen: '127.0.0.1:0', upstreams: [`127.0.0.1:${up.port}`], upstreamTimeoutMs: 200, maxInflight: 50, tcpIdleTimeoutMs: 500 });
    port = (await server.start()).udp.port;
  });
  afterAll(async () => {
    await server?.stop();
    up?.stop();
  });

  it('answers FORMERR, NOTIMP or nothing, as each case deserves', async () => {
    const rcode = (m?: Buffer) => (m ? m[3]! & 0xf : 'none');
    expect(rcode(await ask(port, Buffer.from([1, 2, 3, 4, 5])))).toBe('none'); // truncated header
    expect(rcode(await ask(port, header(0x8000, 1)))).toBe('none'); // a response, not a query
    expect(rcode(await ask(port, Buffer.concat([header(0, 1), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])])))).toBe(1); // pointer loop
    expect(rcode(await ask(port, Buffer.concat([header(0, 1), Buffer.from([0x40]), Buffer.alloc(70, 0x61)])))).toBe(1); // label > 63
    expect(rcode(await ask(port, Buffer.concat([header(0, 1), Buffer.from([3, 0x61, 0x62])])))).toBe(1); // name runs off the end
    expect(rcode(await ask(port, header(0, 2)))).toBe(1); // two questions
    expect(rcode(await ask(port, Buffer.concat([header(0x1000, 1), Buffer.from([0, 0, 1, 0, 1])])))).toBe(4); // opcode STATUS
    const longName = Buffer.concat([header(0, 1), ...Array.from({ length: 5 }, () => Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x61)])), Buffer.from([0, 0, 1, 0, 1])]);
    expect(rcode(await ask(port, longName))).toBe(1); // name longer than 255
    const twoOpts = Buffer.concat([header(0, 1, 0, 0, 2), Buffer.from([0, 0, 1, 0, 1]), ...[0, 1].map(() => Buffer.from([0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0]))]);
    expect(rcode(await ask(port, twoOpts))).toBe(1);
  });

  it('keeps answering after a flood of random datagrams', async () => {
    const rnd = lcg(20240501);
    const s = dgram.createSocket('udp4');
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.alloc(Math.floor(rnd() * 80));
      for (let j = 0; j < b.length; j++) b[j] = Math.floor(rnd() * 256);
      if (b.length > 4 && rnd() < 0.5) b[2] = 0; // mostly well-formed flags: exercise deeper paths
      s.send(b, port, '127.0.0.1');
      if (i % 200 === 0) await new Promise((r) => setImmediate(r));
    }
    s.close();
    // Forwarded junk waits on an upstream that never answers: bounded by maxInflight.
    expect(server.forwarder!.inflight).toBeLessThanOrEqual(50);
    const r = await dig(port, ['nginx.default.svc.cluster.local']);
    expect(r.answer).toHaveLength(2);
  });

  it('survives TCP garbage, split frames and idle connections', async () => {
    const garbage = net.connect(port, '127.0.0.1');
    await new Promise((r) => garbage.once('connect', r));
    garbage.write(Buffer.from([0x00, 0x05, 1, 2, 3, 4, 5, 0xff, 0xff, 9, 9]));
    const idle = net.connect(port, '127.0.0.1');
    const closed = new Promise((r) => idle.once('close', r));
    // A query split over two writes still gets its answer.
    const q = Buffer.from('abcd0100000100000000000005776562','hex');
    const rest = Buffer.concat([Buffer.from([0x2d, 0x30]), Buffer.from('\x05nginx\x07default\x03svc\x07cluster\x05local\x00', 'latin1'), Buffer.from([0, 1, 0, 1])]);
    const msg = Buffer.concat([q, rest]);
    const c = net.connect(port, '127.0.0.1');
    await new Promise((r) => c.once('connect', r));
    const got = new Promise<Buffer>((r) => c.once('data', r));
    const len = Buffer.alloc(2);
    len.writeUInt16BE(msg.length);
    c.write(Buffer.concat([len, msg.subarray(0, 7)]));
    await new Promise((r) => setTimeout(r, 50));
    c.write(msg.subarray(7));
    const reply = await got;
    expect(reply.readUInt16BE(2 + 6)).toBe(1); // one answer: web-0.nginx...
    c.destroy();
    garbage.destroy();
    await closed; // closed by the idle timeout
    expect((await dig(port, ['+tcp', 'nginx.default.svc.cluster.local'])).answer).toHaveLength(2);
  });
});
