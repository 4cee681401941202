import { connect as tlsConnect } from 'node:tls';
import { describeWith, openssl } from '@svcnet/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FAKE_CERTIFICATE_NAME, IngressServer, IngressView } from '../src/index.js';
import { EchoBackend } from './backends.js';
import type { Echo } from './backends.js';
import { selfSigned } from './certificates.js';
import { ingress, path, rule, service, slice, tlsSecret } from './fixtures.js';

const L = '127.0.0.1';

// ingress-nginx always has a certificate: without --default-ssl-certificate, its own self-signed
// "Kubernetes Ingress Controller Fake Certificate". Load balancers' health checks and clients that
// connect by address depend on it.
describeWith('HTTPS without a configured default certificate', [openssl], () => {
  let backend: EchoBackend;
  let server: IngressServer;
  let port = 0;
  const logged: string[] = [];

  /** One HTTPS request over a raw TLS socket: the certificate's CN and the backend's echo. */
  function get(servername: string | undefined, host: string): Promise<{ cn: string; status: number; echo?: Echo }> {
    return new Promise((resolve, reject) => {
      const s = tlsConnect({ host: L, port, ...(servername === undefined ? {} : { servername }), rejectUnauthorized: false }, () => {
        const cn = String(s.getPeerCertificate().subject.CN);
        s.write(`GET /x HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
        let raw = '';
        s.on('data', (d) => (raw += d));
        s.on('end', () => {
          const status = Number(/^HTTP\/1\.1 (\d+)/.exec(raw)?.[1]);
          const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
          resolve({ cn, status, ...(status === 200 ? { echo: JSON.parse(body) as Echo } : {}) });
        });
      });
      s.on('error', reject);
      s.setTimeout(5000, () => s.destroy(new Error('no answer within 5 s')));
    });
  }

  beforeAll(async () => {
    const own = selfSigned('secure.example');
    backend = await new EchoBackend('web').start();
    const view = new IngressView();
    view.load([
      service('web', [{ port: 8080, name: 'http' }]),
      slice('web', 'http', backend.port, [[L, true]]),
      tlsSecret('secure-tls', own.cert, own.key),
      ingress('web', {
        tls: [{ hosts: ['secure.example'], secretName: 'secure-tls' }],
        rules: [rule('cafe.example.com', path('/', 'Prefix', 'web')), rule('secure.example', path('/', 'Prefix', 'web'))],
      }),
    ]);
    server = new IngressServer({ view, listenTls: { host: L, port: 0 }, logger: { warn: () => undefined, info: (_o, msg) => logged.push(msg) } });
    port = (await server.start()).https!.port;
  });

  afterAll(async () => {
    await server?.close();
    await backend?.close();
  });

  it.each([
    ['no SNI', undefined],
    ['an SNI no Ingress covers', 'unknown.example'],
    ['an IP address (no SNI is sent for one)', L],
  ])('%s: the handshake completes with the fake certificate and the request is routed by Host', async (_, servername) => {
    const r = await get(servername, 'cafe.example.com');
    expect(r.cn).toBe(FAKE_CERTIFICATE_NAME);
    expect(r.status).toBe(200);
    expect(r.echo?.headers['host']).toBe('cafe.example.com');
  });

  it('offers HTTP/1.1 over ALPN', async () => {
    const proto = await new Promise<string | false | null>((resolve, reject) => {
      const s = tlsConnect({ host: L, port, servername: 'cafe.example.com', ALPNProtocols: ['h2', 'http/1.1'], rejectUnauthorized: false }, () => {
        resolve(s.alpnProtocol);
        s.end();
      });
      s.on('error', reject);
    });
    expect(proto).toBe('http/1.1');
  });

  it('a covered SNI gets its own certificate', async () => {
    expect((await get('secure.example', 'secure.example')).cn).toBe('secure.example');
  });

  it('says once that it made the certificate', () => {
    expect(logged.filter((m) => m.includes('self-signed'))).toHaveLength(1);
  });
});

describeWith('--default-ssl-certificate NAMESPACE/SECRET', [openssl], () => {
  let server: IngressServer;
  let view: IngressView;
  let port = 0;

  const cnOf = (servername?: string) =>
    new Promise<string>((resolve, reject) => {
      const s = tlsConnect({ host: L, port, ...(servername ? { servername } : {}), rejectUnauthorized: false }, () => {
        resolve(String(s.getPeerCertificate().subject.CN));
        s.end();
      });
      s.on('error', reject);
    });

  beforeAll(async () => {
    view = new IngressView();
    server = new IngressServer({ view, listenTls: { host: L, port: 0 }, defaultCertificateSecret: 'ingress/fallback' });
    port = (await server.start()).https!.port;
  });
  afterAll(() => server?.close());

  it('serves the fake certificate until the Secret exists, then the Secret\'s, to clients with and without SNI', async () => {
    expect(await cnOf()).toBe(FAKE_CERTIFICATE_NAME);
    const fallback = selfSigned('fallback.example');
    view.upsert(tlsSecret('fallback', fallback.cert, fallback.key, 'ingress'));
    expect(await cnOf()).toBe('fallback.example');
    expect(await cnOf('nobody.example')).toBe('fallback.example');
  });
});
