import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { exposedGc } from '@svcnet/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { FastSocket, streamBinding } from './fastSocket.js';

/** A connected pair on loopback: `server` is the accepted side (as the router gets it). */
async function pair(): Promise<{ server: Socket; client: Socket; listener: Server }> {
  const listener = createServer({ allowHalfOpen: true });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const accepted = once(listener, 'connection');
  const client = connect((listener.address() as { port: number }).port, '127.0.0.1');
  const [server] = (await accepted) as [Socket];
  await once(client, 'connect');
  return { server, client, listener };
}

const open: { sockets: Socket[]; listeners: Server[] } = { sockets: [], listeners: [] };
afterEach(() => {
  for (const s of open.sockets.splice(0)) s.destroy();
  for (const l of open.listeners.splice(0)) l.close();
});

async function setup(direct: boolean) {
  const p = await pair();
  open.sockets.push(p.server, p.client);
  open.listeners.push(p.listener);
  const seen = { data: [] as Buffer[], drains: 0, idles: 0 };
  const fast = new FastSocket(p.server, { data: (c) => seen.data.push(c), drain: () => seen.drains++, idle: () => seen.idles++ }, { useHandle: direct });
  return { ...p, fast, seen };
}

/** Waits until `test` holds (bounded: 200 polls of 10 ms). */
async function until(test: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !test(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(test()).toBe(true);
}

it('uses the handle directly on this Node (fails when its internals are no longer recognised)', async () => {
  expect(streamBinding()).not.toBeNull();
  const { fast } = await setup(true);
  expect(fast.direct).toBe(true);
});

for (const direct of [true, false]) {
  describe(`FastSocket (${direct ? 'through the handle' : 'public API'})`, () => {
    it('reads every byte in order, and the end of stream still reaches the socket', async () => {
      const { client, server, seen } = await setup(direct);
      const ended = once(server, 'end');
      for (let i = 0; i < 50; i++) client.write(`line ${i}\n`);
      client.end();
      await ended;
      expect(Buffer.concat(seen.data).toString()).toBe(Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join(''));
    });

    it('sharedReads: two sockets read through one buffer, each view right during its call', async () => {
      const a = await pair();
      const b = await pair();
      open.sockets.push(a.server, a.client, b.server, b.client);
      open.listeners.push(a.listener, b.listener);
      const copies = { a: '', b: '' };
      const views = new Set<ArrayBufferLike>();
      const reader = (name: 'a' | 'b') => ({
        data: (c: Buffer) => {
          views.add(c.buffer);
          copies[name] += c.toString('latin1');
        },
        drain: () => undefined,
        idle: () => undefined,
      });
      new FastSocket(a.server, reader('a'), { useHandle: direct, sharedReads: true });
      new FastSocket(b.server, reader('b'), { useHandle: direct, sharedReads: true });
      for (let i = 0; i < 40; i++) {
        a.client.write(`a${i};`);
        b.client.write(`b${i};`);
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5));
      }
      const want = (p: string) => Array.from({ length: 40 }, (_, i) => `${p}${i};`).join('');
      await until(() => copies.a === want('a') && copies.b === want('b'));
      if (direct) expect(views.size).toBe(1); // one shared read buffer, no copy per read
    });

    it('writes in order through a full kernel buffer, says when to wait and when it drained', async () => {
      const { client, fast, seen } = await setup(direct);
      const got: Buffer[] = [];
      client.pause();
      client.on('data', (c: Buffer) => got.push(c));
      const big = Buffer.alloc(8 * 1024 * 1024, 'x');
      expect(fast.write('head;')).toBe(true);
      expect(fast.write(big)).toBe(false); // more than loopback's buffers hold while the peer reads nothing
      expect(fast.needsDrain).toBe(true);
      fast.write(';tail');
      client.resume();
      await until(() => seen.drains > 0 && Buffer.concat(got).length === big.length + 10);
      const all = Buffer.concat(got).toString('latin1');
      expect(all.startsWith('head;xxx')).toBe(true);
      expect(all.endsWith('xxx;tail')).toBe(true);
      expect(fast.needsDrain).toBe(false);
    });

    it('stops reading while paused and reads on after resume', async () => {
      const { client, fast, seen } = await setup(direct);
      fast.pause();
      client.write('while paused');
      await new Promise((r) => setTimeout(r, 50));
      expect(seen.data).toHaveLength(0);
      fast.resume();
      await until(() => Buffer.concat(seen.data).toString() === 'while paused');
    });

    it('calls idle after the idle time without reads or writes, and activity pushes it back', async () => {
      const { client, fast, seen } = await setup(direct);
      fast.setIdleTimeout(150);
      for (let i = 0; i < 4; i++) {
        await new Promise((r) => setTimeout(r, 60));
        client.write('x');
      }
      expect(seen.idles).toBe(0);
      await until(() => seen.idles === 1);
      fast.setIdleTimeout(0);
    });

    it('a closed socket leaves no idle timer keeping it (and what its events reach) in memory', async () => {
      const gc = exposedGc();
      // Nothing of the test may hold the sockets or the FastSocket once this returns.
      const closedOne = async (): Promise<WeakRef<FastSocket>> => {
        const p = await pair();
        open.listeners.push(p.listener);
        const fast = new FastSocket(p.server, { data: () => undefined, drain: () => undefined, idle: () => undefined }, { useHandle: direct });
        fast.setIdleTimeout(60_000);
        const closed = once(p.server, 'close');
        p.client.destroy();
        p.server.destroy();
        await closed;
        return new WeakRef(fast);
      };
      const ref = await closedOne();
      for (let i = 0; i < 20 && ref.deref() !== undefined; i++) {
        await new Promise((r) => setTimeout(r, 20));
        gc();
      }
      expect(ref.deref()).toBeUndefined();
    });

    it('a shorter idle time takes effect at once', async () => {
      const { fast, seen } = await setup(direct);
      fast.setIdleTimeout(60_000);
      fast.setIdleTimeout(100);
      await until(() => seen.idles === 1);
      fast.setIdleTimeout(0);
    });

    it('gives the socket back: after detach its own listeners get the bytes, even those sent while paused', async () => {
      const { client, server, fast, seen } = await setup(direct);
      fast.pause();
      client.write('for node');
      await new Promise((r) => setTimeout(r, 30));
      fast.detach();
      const got: Buffer[] = [];
      server.on('data', (c: Buffer) => got.push(c));
      await until(() => Buffer.concat(got).toString() === 'for node');
      expect(seen.data).toHaveLength(0);
      const big = Buffer.alloc(300 * 1024, 'y');
      client.write(big);
      await until(() => Buffer.concat(got).length === 8 + big.length);
      expect(Buffer.concat(got).subarray(8).equals(big)).toBe(true);
      server.write('answer');
      const [reply] = (await once(client, 'data')) as [Buffer];
      expect(reply.toString()).toBe('answer');
    });
  });
}
