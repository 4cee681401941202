import type { AddressInfo, Server } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngressServer, IngressView } from '../src/index.js';
import { scriptedBackend } from './backends.js';
import { ingress, path, rule, service, slice } from './fixtures.js';

const L = '127.0.0.1';
const BIG = 'z'.repeat(300_000);

/**
 * A raw TCP endpoint whose answer depends on the request path, to drive the router's response
 * parser through every framing: chunked, close-delimited, large, HEAD, interim 1xx, garbage.
 */
function answer(method: string, target: string): { text: string | Buffer; close?: boolean } {
  switch (target) {
    case '/chunked':
      return { text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Kind: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n' };
    case '/close':
      return { text: 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end', close: true };
    case '/big':
      return { text: `HTTP/1.1 200 OK\r\nContent-Length: ${BIG.length}\r\n\r\n${BIG}` };
    case '/continue':
      return { text: 'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok' };
    case '/garbage':
      return { text: 'HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n' };
    case '/badheader':
      return { text: 'HTTP/1.1 200 OK\r\nX-Evil: a\rb\r\nContent-Length: 0\r\n\r\n' };
    default:
      return { text: method === 'HEAD' ? 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n' : 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello' };
  }
}

let backend: Server;
let connections = 0;
let view: IngressView;
let router: IngressServer;
let client: Pool;

beforeAll(async () => {
  backend = scriptedBackend(answer, () => connections++);
  await new Promise<void>((r) => backend.listen(0, L, r));
  const port = (backend.address() as AddressInfo).port;
  view = new IngressView();
  view.load([service('raw', [{ port: 80, name: 'http' }]), slice('raw', 'http', port, [[L, true]]), ingress('raw', { rules: [rule('raw.test', path('/', 'Prefix', 'raw', 80))] })]);
  router = new IngressServer({ view, listen: { host: L, port: 0 } });
  const bound = await router.start();
  client = new Pool(`http://${L}:${bound.http!.port}`, { connections: 2 });
});

afterAll(async () => {
  await client?.close();
  await router?.close();
  await new Promise<void>((r) => (backend ? backend.close(() => r()) : r()));
});

async function get(p: string, method: 'GET' | 'HEAD' = 'GET') {
  const res = await client.request({ method, path: p, headers: { host: 'raw.test' } });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

describe('upstream response framings through the router', () => {
  it.each([
    ['/chunked', 200, 'abcdefg'],
    ['/close', 200, 'until the end'],
    ['/continue', 201, 'ok'],
    ['/plain', 200, 'hello'],
    ['/garbage', 502, '502'],
    ['/badheader', 502, '502'],
  ])('%s -> %i', async (p, status, body) => {
    const r = await get(p);
    expect(r.status).toBe(status);
    expect(r.text).toContain(body);
    expect(r.headers['server']).toBe('svcnet-ingress');
  });

  it('streams a large body whole', async () => {
    const r = await get('/big');
    expect(r.text.length).toBe(BIG.length);
    expect(r.text).toBe(BIG);
  });

  it('HEAD gets the headers and no body, and the connection stays usable', async () => {
    const r = await get('/x', 'HEAD');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('5');
    expect(r.text).toBe('');
    expect((await get('/plain')).text).toBe('hello');
  });

  it('reuses the connection after framed responses, not after close-delimited ones', async () => {
    const before = connections;
    for (let i = 0; i < 5; i++) expect((await get('/chunked')).text).toBe('abcdefg');
    expect(connections - before).toBeLessThanOrEqual(1);
    expect((await get('/close')).text).toBe('until the end');
    expect((await get('/plain')).text).toBe('hello');
  });
});
