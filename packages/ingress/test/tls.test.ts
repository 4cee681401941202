import { connect as tlsConnect } from 'node:tls';
import { describeWith, openssl } from '@svcnet/testkit';
import { Agent, Pool, request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IngressServer, IngressView } from '../src/index.js';
import { EchoBackend } from './backends.js';
import type { Echo } from './backends.js';
import { selfSigned } from './certificates.js';
import { ingress, path, rule, service, slice, tlsSecret } from './fixtures.js';

const L = '127.0.0.1';

describeWith('TLS by SNI, redirect and hot reload', [openssl], () => {
  let backend: EchoBackend;
  let view: IngressView;
  let server: IngressServer;
  let httpPort = 0;
  let httpsPort = 0;
  let v1: { cert: string; key: string };
  let v2: { cert: string; key: string };
  let def: { cert: string; key: string };

  function peer(servername: string): Promise<{ cn: string; fingerprint: string }> {
    return new Promise((resolve, reject) => {
      const s = tlsConnect({ host: L, port: httpsPort, servername, rejectUnauthorized: false }, () => {
        const c = s.getPeerCertificate();
        s.end();
        resolve({ cn: String(c.subject.CN), fingerprint: c.fingerprint256 });
      });
      s.on('error', reject);
    });
  }

  beforeAll(async () => {
    v1 = selfSigned('foo.bar.com');
    v2 = selfSigned('foo.bar.com');
    def = selfSigned('default.invalid');
    backend = await new EchoBackend('foo-bar-com').start();
    view = new IngressView();
    view.load([
      service('foo-bar-com', [{ port: 8080, name: 'http' }]),
      slice('foo-bar-com', 'http', backend.port, [[L, true]]),
      tlsSecret('conformance-tls', v1.cert, v1.key),
      // features/host_rules.feature
      ingress('host-rules', {
        tls: [{ hosts: ['foo.bar.com'], secretName: 'conformance-tls' }],
        rules: [rule('*.foo.com', path('/', 'Prefix', 'foo-bar-com')), rule('foo.bar.com', path('/', 'Prefix', 'foo-bar-com', 'http'))],
      }),
    ]);
    server = new IngressServer({ view, listen: { host: L, port: 0 }, listenTls: { host: L, port: 0 }, defaultCertificate: def });
    const addrs = await server.start();
    httpPort = addrs.http!.port;
    httpsPort = addrs.https!.port;
  });

  afterAll(async () => {
    await server?.close();
    await backend?.close();
  });

  it('serves the Secret certificate for its host and the default certificate otherwise', async () => {
    expect((await peer('foo.bar.com')).cn).toBe('foo.bar.com');
    expect((await peer('FOO.BAR.COM')).cn).toBe('foo.bar.com');
    expect((await peer('other.example')).cn).toBe('default.invalid');
  });

  it('proxies HTTPS to the backend, verifying the host name', async () => {
    const pool = new Pool(`https://${L}:${httpsPort}`, { connect: { servername: 'foo.bar.com', ca: v1.cert } });
    try {
      const res = await pool.request({ method: 'GET', path: '/x', headers: { host: 'foo.bar.com' } });
      const echo = (await res.body.json()) as Echo;
      expect(res.statusCode).toBe(200);
      expect(echo.name).toBe('foo-bar-com');
      expect(echo.headers['host']).toBe('foo.bar.com');
      expect(echo.headers['x-forwarded-proto']).toBe('https');
    } finally {
      await pool.close();
    }
  });

  it('redirects plain HTTP to HTTPS with 308 for TLS hosts only', async () => {
    const res = await request(`http://${L}:${httpPort}/a/../b?q=1`, { headers: { host: 'foo.bar.com' } });
    await res.body.dump();
    expect(res.statusCode).toBe(308);
    expect(res.headers['location']).toBe(`https://foo.bar.com:${httpsPort}/b?q=1`);
    const plain = await request(`http://${L}:${httpPort}/`, { headers: { host: 'bar.foo.com' } });
    expect(plain.statusCode).toBe(200);
    await plain.body.dump();
  });

  it('reloads the certificate when the Secret changes', async () => {
    const before = await peer('foo.bar.com');
    view.upsert(tlsSecret('conformance-tls', v2.cert, v2.key));
    const after = await peer('foo.bar.com');
    expect(after.cn).toBe('foo.bar.com');
    expect(after.fingerprint).not.toBe(before.fingerprint);
    const agent = new Agent({ connect: { servername: 'foo.bar.com', ca: v2.cert } });
    try {
      const res = await request(`https://${L}:${httpsPort}/`, { dispatcher: agent, headers: { host: 'foo.bar.com' } });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
    } finally {
      await agent.close();
    }
  });

  it('falls back to the default certificate when the Secret is deleted', async () => {
    view.delete(tlsSecret('conformance-tls', v2.cert, v2.key));
    expect((await peer('foo.bar.com')).cn).toBe('default.invalid');
  });
});
