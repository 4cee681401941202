import dgram from 'node:dgram';
import { describeWith, dig as digBinary } from '@svcnet/testkit';
import { afterEach, expect, it } from 'vitest';
import { DnsServer, RecordIndex } from '../src/index.js';
import { dig } from './dig.js';
import { seedFixture } from './fixtures.js';
import { TestResolver } from './testResolver.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function resolver(records: Record<string, string>, o?: ConstructorParameters<typeof TestResolver>[1]): Promise<TestResolver> {
  const r = new TestResolver(records, o);
  await r.start();
  cleanup.push(() => r.stop());
  return r;
}

async function serve(upstreams: string[], extra: Partial<ConstructorParameters<typeof DnsServer>[0]> = {}): Promise<{ server: DnsServer; port: number }> {
  const server = new DnsServer({ index: RecordIndex.from(seedFixture()), listen: '127.0.0.1:0', upstreams, upstreamTimeoutMs: 300, ...extra });
  const port = (await server.start()).udp.port;
  cleanup.push(() => server.stop());
  return { server, port };
}

describeWith('dns forwarding to a test resolver on loopback', [digBinary], () => {
  it('forwards names outside the zone and caches answers and NXDOMAIN', async () => {
    const up = await resolver({ 'example.test': '192.0.2.1' });
    const { server, port } = await serve([`127.0.0.1:${up.port}`]);
    const first = await dig(port, ['example.test']);
    expect(first.status).toBe('NOERROR');
    expect(first.answer).toEqual(['example.test. 300 IN A 192.0.2.1']);
    expect(first.flags).not.toContain('aa');
    const again = await dig(port, ['EXAMPLE.test']);
    expect(again.answer).toEqual([expect.stringMatching(/^example\.test\. (300|299) IN A 192\.0\.2\.1$/i)]);
    const nx1 = await dig(port, ['missing.test']);
    const nx2 = await dig(port, ['missing.test']);
    expect(nx1.status).toBe('NXDOMAIN');
    expect(nx2.status).toBe('NXDOMAIN');
    expect(nx2.authority).toHaveLength(1);
    // Two questions reached the upstream (plus the loop probe); the repeats came from the cache.
    expect(up.asked.filter((a) => !a.includes('svcnet-loop-probe'))).toEqual(['example.test A', 'missing.test A']);
    expect(server.cache!.hits).toBe(2);
  });

  it('falls back to the next upstream when one does not answer', async () => {
    const dead = await resolver({}, { silent: true });
    const up = await resolver({ 'example.test': '192.0.2.1' });
    const { port } = await serve([`127.0.0.1:${dead.port}`, `127.0.0.1:${up.port}`]);
    const r = await dig(port, ['example.test']);
    expect(r.answer).toEqual(['example.test. 300 IN A 192.0.2.1']);
    expect(dead.asked).toContain('example.test A');
  });

  it('answers SERVFAIL when no upstream answers', async () => {
    const dead = await resolver({}, { silent: true });
    const { port } = await serve([`127.0.0.1:${dead.port}`]);
    expect((await dig(port, ['example.test'])).status).toBe('SERVFAIL');
  });

  it('completes an ExternalName CNAME with the target records from the upstream', async () => {
    const up = await resolver({ 'my.database.example.com': '192.0.2.10' });
    const { port } = await serve([`127.0.0.1:${up.port}`]);
    const r = await dig(port, ['my-service.default.svc.cluster.local']);
    expect(r.flags).toContain('aa');
    expect(r.answer).toEqual(['my-service.default.svc.cluster.local. 5 IN CNAME my.database.example.com.', 'my.database.example.com. 300 IN A 192.0.2.10']);
  });

  it('detects a forwarder that sends queries back to this server and stops using it', async () => {
    const free = dgram.createSocket('udp4');
    await new Promise<void>((r) => free.bind(0, '127.0.0.1', () => r()));
    const ourPort = free.address().port;
    free.close();
    const loop = await resolver({}, { forwardTo: ourPort });
    const { server, port } = await serve([`127.0.0.1:${loop.port}`], { listen: `127.0.0.1:${ourPort}` });
    await server.loopCheck;
    expect(server.loops).toEqual([`127.0.0.1:${loop.port}`]);
    const r = await dig(port, ['example.test']);
    expect(r.status).toBe('SERVFAIL');
    expect(loop.asked.filter((a) => a.startsWith('example.test'))).toEqual([]);
  });

  it('refuses to start when an upstream is its own address', async () => {
    const free = dgram.createSocket('udp4');
    await new Promise<void>((r) => free.bind(0, '127.0.0.1', () => r()));
    const p = free.address().port;
    free.close();
    const server = new DnsServer({ index: new RecordIndex(), listen: `127.0.0.1:${p}`, upstreams: [`127.0.0.1:${p}`] });
    cleanup.push(() => server.stop());
    await expect(server.start()).rejects.toMatchObject({ code: 'ForwardLoop', message: expect.stringContaining('plugin/loop') });
  });

  it('falls through to the upstream for reverse names it has no PTR for', async () => {
    const up = await resolver({});
    const { port } = await serve([`127.0.0.1:${up.port}`]);
    await dig(port, ['-x', '192.0.2.77']);
    expect(up.asked).toContain('77.2.0.192.in-addr.arpa PTR');
  });
});

describeWith('dns forwarding to an upstream that cannot be reached', [digBinary], () => {
  it('answers SERVFAIL and keeps serving when connecting to the upstream fails (no route, broadcast)', async () => {
    // connect() to the broadcast address fails at once (EACCES), as it does with no route to the
    // upstream (ENETUNREACH, a laptop offline): the loop probe at start and every forwarded query
    // meet it. Before, the send after the failed connect threw and ended the process.
    const { port } = await serve(['255.255.255.255:53']);
    expect((await dig(port, ['example.test'])).status).toBe('SERVFAIL');
    expect((await dig(port, ['hostname.default.svc.cluster.local'])).status).toBe('NOERROR');
  });
});
