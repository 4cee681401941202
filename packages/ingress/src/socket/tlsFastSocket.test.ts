import { once } from 'node:events';
import { connect, createServer } from 'node:tls';
import type { Server, TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeCertificate } from '../tls/fakeCertificate.js';
import { FastSocket, streamBinding } from './fastSocket.js';

/**
 * FastSocket on a TLS socket's decrypted side (Node's TLSWrap handle): reads through the handle's
 * `onread`, writes one at a time (a second write on TLSWrap while one is in flight would abort the
 * process: tlsHandleWrites.ts), the same answers as through the socket's public API.
 */

const certificate = fakeCertificate();
let listener: Server;
let port = 0;
const accepted: TLSSocket[] = [];
const open: TLSSocket[] = [];

beforeAll(async () => {
  listener = createServer({ ...certificate, allowHalfOpen: true }, (s) => accepted.push(s));
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  port = (listener.address() as { port: number }).port;
});
afterEach(() => {
  for (const s of open.splice(0)) s.destroy();
});
afterAll(() => listener.close());

/** A TLS connection on loopback after its handshake: `server` is the side the router gets. */
async function pair(): Promise<{ server: TLSSocket; client: TLSSocket }> {
  const before = accepted.length;
  const client = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  client.on('error', () => undefined);
  await once(client, 'secureConnect');
  for (let i = 0; i < 200 && accepted.length === before; i++) await new Promise((r) => setTimeout(r, 5));
  const server = accepted[accepted.length - 1]!;
  server.on('error', () => undefined);
  open.push(client, server);
  return { server, client };
}

async function setup(direct: boolean) {
  const p = await pair();
  const seen = { data: [] as Buffer[], drains: 0 };
  const fast = new FastSocket(p.server, { data: (c) => seen.data.push(Buffer.from(c)), drain: () => seen.drains++, idle: () => undefined }, { useHandle: direct, sharedReads: true });
  return { ...p, fast, seen };
}

async function until(test: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !test(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(test()).toBe(true);
}

it("reads and writes a TLS socket's handle directly on this Node (fails when TLSWrap is no longer recognised)", async () => {
  expect(streamBinding()).not.toBeNull();
  const { fast } = await setup(true);
  expect(fast.direct).toBe(true);
});

for (const direct of [true, false]) {
  describe(`FastSocket over TLS (${direct ? 'through the handle' : 'public API'})`, () => {
    it('reads every decrypted byte in order, and the end of stream still reaches the socket', async () => {
      const { client, server, seen } = await setup(direct);
      const ended = once(server, 'end');
      for (let i = 0; i < 50; i++) client.write(`line ${i}\n`);
      client.end();
      await ended;
      expect(Buffer.concat(seen.data).toString()).toBe(Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join(''));
    });

    it('many writes in one go leave in order (one in flight, the rest joined behind it)', async () => {
      const { client, fast, seen } = await setup(direct);
      const got: Buffer[] = [];
      client.on('data', (c: Buffer) => got.push(c));
      let scratch = Buffer.alloc(4);
      let want = '';
      for (let i = 0; i < 200; i++) {
        // The same buffer rewritten after each write while the socket holds no bytes of it, as the
        // router's output buffer is (outputBuffer.ts).
        if (fast.holdsWrites) scratch = Buffer.alloc(4);
        scratch.write(String(i % 10).repeat(4), 'latin1');
        fast.write(i % 2 ? scratch : `<${i}>`);
        want += i % 2 ? String(i % 10).repeat(4) : `<${i}>`;
      }
      await until(() => Buffer.concat(got).toString('latin1') === want);
      await until(() => !fast.needsDrain);
      // Through the handle, the last write's completion is announced (the connection waits for it).
      if (direct) expect(seen.drains).toBeGreaterThan(0);
    });

    it('writes in order through a client that reads nothing for a while, says when to wait and when it drained', async () => {
      const { client, fast, seen } = await setup(direct);
      const got: Buffer[] = [];
      client.pause();
      client.on('data', (c: Buffer) => got.push(c));
      const big = Buffer.alloc(1024 * 1024, 'x');
      fast.write('head;');
      let waited = false;
      for (let i = 0; i < 8; i++) waited = !fast.write(big) || waited;
      expect(waited).toBe(true);
      expect(fast.needsDrain).toBe(true);
      fast.write(';tail');
      await new Promise((r) => setTimeout(r, 50));
      client.resume();
      await until(() => Buffer.concat(got).length === 8 * big.length + 10);
      const all = Buffer.concat(got).toString('latin1');
      expect(all.startsWith('head;xxx')).toBe(true);
      expect(all.endsWith('xxx;tail')).toBe(true);
      await until(() => !fast.needsDrain && seen.drains > 0);
    });

    it('gives the socket back once its writes completed: node writes and reads through it as before', async () => {
      const { client, server, fast } = await setup(direct);
      fast.write('from the fast path;');
      await until(() => !fast.needsDrain);
      fast.detach();
      const got: Buffer[] = [];
      server.on('data', (c: Buffer) => got.push(c));
      client.write('for node');
      await until(() => Buffer.concat(got).toString() === 'for node');
      const reply: Buffer[] = [];
      client.on('data', (c: Buffer) => reply.push(c));
      server.write('answer');
      await until(() => Buffer.concat(reply).toString() === 'from the fast path;answer');
    });

    it('bytes the socket read before it was taken over come first, once', async () => {
      const p = await pair();
      p.server.pause();
      p.client.write('early;');
      await until(() => p.server.readableLength > 0);
      const seen: Buffer[] = [];
      const fast = new FastSocket(p.server, { data: (c) => seen.push(Buffer.from(c)), drain: () => undefined, idle: () => undefined }, { useHandle: direct });
      const early = fast.takeBuffered();
      if (early) seen.unshift(Buffer.from(early));
      expect(fast.takeBuffered()).toBeNull();
      p.client.write('late');
      await until(() => Buffer.concat(seen).toString() === 'early;late');
    });
  });
}
