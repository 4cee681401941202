// Redis with an ACL user and password, and with TLS (rediss://, a CA made in the test): the store
// connects with the right credentials, wrong ones fail at once with Redis' own reason, and no
// password appears in errors, logs or the store's description.
import { openStore, type StoreLogger } from '@svcnet/store';
import { RedisServer, describeWith, openssl, redisServer } from '@svcnet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type TestPki } from '../support/certificates.js';
import { goodService } from '../support/objects.js';
import { freePort } from '../support/processes.js';

const PASSWORD = `S3cret-${process.pid}-pw`;
const USER = 'svcnet';
const acl = ['--user', 'default', 'off', '--user', USER, 'on', `>${PASSWORD}`, '~*', '&*', '+@all'];

function capture(): { logger: StoreLogger; lines: string[] } {
  const lines: string[] = [];
  const push = (o: object, m: string) => lines.push(`${m} ${JSON.stringify(o)}`);
  return { logger: { error: push, warn: push }, lines };
}

/** Every way a secret could leak from a store: errors, log lines, description. */
function expectNoSecret(texts: readonly string[]): void {
  for (const t of texts) expect(t).not.toContain(PASSWORD);
}

describeWith('Redis with an ACL user and password', [redisServer], () => {
  let server: RedisServer;
  let port = 0;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    port = await freePort();
    server = await RedisServer.start({ args: ['--port', String(port), '--bind', '127.0.0.1', ...acl] });
  });
  afterAll(async () => {
    for (const c of closers) await c().catch(() => undefined);
    await server?.stop();
  });
  const open = (url: string) => {
    const cap = capture();
    const s = openStore(url, { logger: cap.logger });
    closers.push(() => s.close());
    return { store: s, lines: cap.lines };
  };

  it('connects with the right user and password, and the description hides the password', async () => {
    const { store, lines } = open(`redis://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/0`);
    const created = await store.create(goodService('acl-ok'));
    expect(created.metadata?.resourceVersion).toBe('1');
    expect(store.description).toBe(`redis://${USER}@127.0.0.1:${port}/0`);
    expectNoSecret([store.description, ...lines]);
  });

  it.each([
    ['a wrong password', `${USER}:wrong-${PASSWORD}@`, /WRONGPASS/],
    ['an unknown user', `intruder:${PASSWORD}@`, /WRONGPASS/],
    ['no credentials', '', /NOAUTH/],
  ])('%s fails at once with a clear reason and no secret in it', async (_n, auth, reason) => {
    const { store, lines } = open(`redis://${auth}127.0.0.1:${port}/0`);
    const err = await store.list('Service').then(() => undefined, (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(reason);
    expectNoSecret([err!.message, String(err!.stack), store.description, ...lines]);
    expect(lines.some((l) => reason.test(l))).toBe(true);
  });
});

describeWith('Redis over TLS (rediss://)', [redisServer, openssl], () => {
  let pki: TestPki;
  let server: RedisServer;
  let port = 0;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    pki = makePki();
    port = await freePort();
    server = await RedisServer.start({
      args: ['--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', pki.certFile, '--tls-key-file', pki.keyFile, '--tls-ca-cert-file', pki.caFile, '--tls-auth-clients', 'no', ...acl],
    });
  });
  afterAll(async () => {
    for (const c of closers) await c().catch(() => undefined);
    await server?.stop();
    pki?.remove();
  });

  describe.each([
    ['the test CA and the right password', true, PASSWORD, undefined],
    ['no CA (the system roots do not know ours)', false, PASSWORD, /self[- ]signed|unable to verify|certificate/i],
    ['the test CA and a wrong password', true, 'nope', /WRONGPASS/],
  ] as const)('with %s', (_n, withCa, password, failure) => {
    it(failure ? 'fails with a clear reason and no secret in it' : 'stores and reads over TLS', async () => {
      const cap = capture();
      const store = openStore(`rediss://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/0`, {
        logger: cap.logger,
        // Failing cases do not retry: one clear failure, then the connection is gone.
        redis: { ...(withCa ? { tls: { ca: pki.ca, servername: 'localhost' } } : {}), ...(failure ? { maxRetriesPerRequest: 0, retryStrategy: () => null } : {}) },
      });
      closers.push(() => store.close());
      const outcome = await store.create(goodService(`tls-${withCa}-${password.length}`)).then((o) => o, (e: unknown) => e as Error);
      if (!failure) {
        expect((outcome as { metadata?: { name?: string } }).metadata?.name).toBe(`tls-true-${PASSWORD.length}`);
        expect((await store.list('Service')).items.length).toBeGreaterThan(0);
      } else {
        expect(outcome).toBeInstanceOf(Error);
        expect(`${(outcome as Error).message} ${cap.lines.join(' ')}`).toMatch(failure);
      }
      expectNoSecret([store.description, ...cap.lines, outcome instanceof Error ? `${outcome.message} ${outcome.stack}` : '']);
    });
  });
});
