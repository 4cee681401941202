import dgram from 'node:dgram';
import { fstatSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fastUdp, udpFd } from './udpFastPath.js';

const sockets: dgram.Socket[] = [];

async function bound(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  sockets.push(s);
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return s;
}

function next(s: dgram.Socket): Promise<Buffer> {
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error('no datagram within 2 s')), 2000);
    s.once('message', (m) => {
      clearTimeout(t);
      res(m);
    });
  });
}

afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

describe('fastUdp drives Node\'s UDP handle directly', () => {
  it('recognises this Node\'s dgram internals (else the server silently loses its fast path)', async () => {
    expect(fastUdp(await bound(), () => undefined)).toBeTypeOf('function');
  });

  it('delivers each datagram with its sender and sends replies gathered from up to three buffers', async () => {
    const server = await bound();
    const seen: string[] = [];
    fastUdp(server, (msg, from, send) => {
      seen.push(`${msg.toString()} from ${from.address}`);
      const n = Number(msg.toString());
      const parts = [Buffer.from('a'), Buffer.from('bc'), Buffer.from('def')].slice(0, n);
      expect(send(from.port, from.address, parts[0]!, parts[1], parts[2])).toBe(0);
    });
    const client = await bound();
    const got: string[] = [];
    for (const n of [1, 2, 3]) {
      const reply = next(client);
      client.send(String(n), server.address().port, '127.0.0.1');
      got.push((await reply).toString());
    }
    expect(got).toEqual(['a', 'abc', 'abcdef']);
    expect(seen).toEqual(['1 from 127.0.0.1', '2 from 127.0.0.1', '3 from 127.0.0.1']);
  });

  it('leaves a socket it does not recognise alone', async () => {
    const s = await bound();
    const fake = Object.create(s) as dgram.Socket; // a socket-like object without dgram's own state
    expect(fastUdp(fake, () => undefined)).toBeUndefined();
  });
});

describe('udpFd reads the socket\'s file descriptor from the same handle (the native batch path needs it)', () => {
  it('is the bound socket\'s own descriptor on this Node', async () => {
    const s = await bound();
    const fd = udpFd(s);
    expect(fd).toBeTypeOf('number');
    expect(fstatSync(fd!).isSocket()).toBe(true);
  });

  it('is undefined for a socket it does not recognise', async () => {
    expect(udpFd(Object.create(await bound()) as dgram.Socket)).toBeUndefined();
  });
});
