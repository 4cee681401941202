import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngressServer, IngressView } from '../src/index.js';
import { EchoBackend } from './backends.js';
import { ingress, path, rule, service, slice } from './fixtures.js';

const L = '127.0.0.1';
let backend: EchoBackend;
let server: IngressServer;
let port = 0;

beforeAll(async () => {
  backend = await new EchoBackend('a').start();
  const view = new IngressView();
  view.load([service('web', [{ port: 8080, name: 'http' }]), slice('web', 'http', backend.port, [[L, true]]), ingress('web', { rules: [rule('web.test', path('/', 'Prefix', 'web'))] })]);
  server = new IngressServer({ view, listen: { host: L, port: 0 }, clientHeadersTimeoutMs: 500 });
  port = (await server.start()).http!.port;
});

afterAll(async () => {
  await server?.close();
  await backend?.close();
});

describe('client headers timeout (slowloris)', () => {
  it('a client trickling headers slower than clientHeadersTimeoutMs gets 408 and is closed', async () => {
    const sock = connect(port, L);
    let received = '';
    sock.on('data', (d: Buffer) => (received += d.toString()));
    sock.on('error', () => undefined);
    let sent = 0;
    // One header byte every 100 ms, at most 200 bytes (20 s): far slower than the 500 ms allowed.
    const trickle = setInterval(() => {
      if (sock.destroyed || sent >= 200) return clearInterval(trickle);
      sock.write(sent === 0 ? 'GET / HTTP/1.1\r\nHost: web.test\r\n' : 'X');
      sent++;
    }, 100);
    try {
      await new Promise<void>((resolve) => sock.once('close', () => resolve()));
    } finally {
      clearInterval(trickle);
      sock.destroy();
    }
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(sent).toBeLessThan(200);
  }, 8000);

  it('a client sending its headers in time is served', async () => {
    const sock = connect(port, L);
    const text = await new Promise<string>((resolve, reject) => {
      let buf = '';
      sock.on('data', (d: Buffer) => (buf += d.toString()));
      sock.on('end', () => resolve(buf));
      sock.on('error', reject);
      sock.write('GET /x HTTP/1.1\r\nHost: web.test\r\nConnection: close\r\n\r\n');
    });
    sock.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
  }, 8000);
});
