import dgram from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { afterAll, expect, it, vi } from 'vitest';
import { DnsServer, RecordIndex } from '../src/index.js';
import { seedFixture } from './fixtures.js';

// As on a Node whose dgram internals fastUdp does not recognise (udpFastPath.test.ts checks this one's).
vi.mock('../src/server/udpFastPath.js', () => ({ fastUdp: () => undefined }));

const servers: DnsServer[] = [];
afterAll(() => Promise.all(servers.map((s) => s.stop())));

it('warns once through the logger when the UDP fast path is unavailable, and still answers over UDP', async () => {
  const warnings: string[] = [];
  const server = new DnsServer({ index: RecordIndex.from(seedFixture()), listen: '127.0.0.1:0', upstreams: [], logger: { info: () => undefined, warn: (_o, msg) => warnings.push(msg) } });
  servers.push(server);
  const { port } = (await server.start()).udp;
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/fast path is off.*more CPU per query/);

  const client = dgram.createSocket('udp4');
  try {
    const reply = await new Promise<Buffer>((res, rej) => {
      const t = setTimeout(() => rej(new Error('no reply within 2 s')), 2000);
      client.once('message', (m) => (clearTimeout(t), res(m)));
      client.send(dnsPacket.encode({ type: 'query', id: 9, questions: [{ type: 'A', name: 'hostname.default.svc.cluster.local' }] }), port, '127.0.0.1');
    });
    expect(dnsPacket.decode(reply)).toMatchObject({ id: 9, rcode: 'NOERROR', answers: [expect.objectContaining({ data: '10.96.0.20' })] });
  } finally {
    client.close();
  }
  expect(warnings).toHaveLength(1); // not per query
});

it('says nothing when udpFastPath is false (the caller chose the public API)', async () => {
  const warnings: string[] = [];
  const server = new DnsServer({ index: RecordIndex.from(seedFixture()), listen: '127.0.0.1:0', upstreams: [], udpFastPath: false, logger: { info: () => undefined, warn: (_o, msg) => warnings.push(msg) } });
  servers.push(server);
  await server.start();
  expect(warnings).toEqual([]);
});
