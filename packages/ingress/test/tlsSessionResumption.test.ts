import { randomBytes } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IngressServer, IngressView } from '../src/index.js';
import { fakeCertificate } from '../src/tls/fakeCertificate.js';

/**
 * TLS session resumption across routers that share `tlsTicketKeys` (as workers on one address
 * must): a ticket one issued resumes the session on the other; with keys of their own it cannot.
 */

const L = '127.0.0.1';
const keys = randomBytes(48);
const certificate = fakeCertificate();
const servers: IngressServer[] = [];

async function router(ticketKeys?: Buffer): Promise<number> {
  const s = new IngressServer({ view: new IngressView(), listenTls: { host: L, port: 0 }, defaultCertificate: certificate, ...(ticketKeys ? { tlsTicketKeys: ticketKeys } : {}) });
  servers.push(s);
  return (await s.start()).https!.port;
}

/** Connects, asks for one answer; returns the session ticket the server sent (if any) and whether the session was resumed. */
function connect(port: number, session?: Buffer): Promise<{ ticket: Buffer | undefined; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: L, port, rejectUnauthorized: false, ...(session ? { session } : {}) });
    const t = setTimeout(() => reject(new Error('no answer')), 5000);
    let ticket: Buffer | undefined;
    s.on('error', reject);
    // TLS 1.3 tickets come after the handshake, ahead of the server's first bytes.
    s.on('session', (b: Buffer) => (ticket = b));
    s.once('secureConnect', () => s.write('GET / HTTP/1.1\r\nHost: a.test\r\n\r\n'));
    s.once('data', () => {
      clearTimeout(t);
      const reused = s.isSessionReused();
      s.destroy();
      resolve({ ticket, reused });
    });
  });
}

let a = 0;
let b = 0;
let own = 0;
beforeAll(async () => {
  [a, b, own] = [await router(keys), await router(keys), await router()];
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

it('a session from one router resumes on another with the same ticket keys', async () => {
  const first = await connect(a);
  expect(first.reused).toBe(false);
  expect(first.ticket).toBeDefined();
  expect((await connect(b, first.ticket)).reused).toBe(true);
});

it('a router with keys of its own makes a full handshake', async () => {
  const first = await connect(a);
  expect((await connect(own, first.ticket)).reused).toBe(false);
});
