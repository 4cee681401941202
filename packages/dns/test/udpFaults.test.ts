import dgram from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DnsServer, RecordIndex } from '../src/index.js';
import { seedFixture } from './fixtures.js';

/**
 * Errors on the UDP fast path (udpQuery, run from the socket handle's onmessage, called from C++):
 * a throw there would be an uncaught exception and end the process. The server must log it,
 * answer SERVFAIL when no reply went out yet, and go on answering.
 */

let client: dgram.Socket;
const inbox: Buffer[] = [];
let waiter: (() => void) | undefined;

/** dns-packet decodes the rcode name; its type declarations leave it out. */
type Reply = dnsPacket.DecodedPacket & { rcode?: string };

/** Sends one A/SRV question and collects every reply that arrives within `ms` (bounded wait). */
async function ask(port: number, id: number, name: string, type: 'A' | 'SRV' = 'A', ms = 150): Promise<Reply[]> {
  inbox.length = 0;
  client.send(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] }), port, '127.0.0.1');
  const deadline = Date.now() + 2000;
  while (inbox.length === 0 && Date.now() < deadline) await new Promise<void>((r) => ((waiter = r), setTimeout(r, 50)));
  await new Promise((r) => setTimeout(r, ms)); // room for a second (wrong) reply to show up
  return inbox.splice(0).map((b) => dnsPacket.decode(b) as Reply);
}

const NAME = 'hostname.default.svc.cluster.local';

describe('the UDP fast path survives a throw', () => {
  let server: DnsServer;
  let port = 0;
  const warnings: string[] = [];
  beforeAll(async () => {
    client = dgram.createSocket('udp4');
    client.on('message', (m) => {
      inbox.push(m);
      waiter?.();
    });
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    const f = seedFixture();
    server = new DnsServer({
      index: RecordIndex.from(f),
      listen: '127.0.0.1:0',
      upstreams: [],
      logger: { info: () => undefined, warn: (_o, msg) => warnings.push(msg) },
    });
    port = (await server.start()).udp.port;
    // The first question compiles the answer (general path); from then on it is a table hit.
    const first = await ask(port, 1, NAME, 'A', 0);
    expect(first[0]!.rcode).toBe('NOERROR');
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => {
    client?.close();
    await server?.stop();
  });

  it('answers SERVFAIL when a table hit throws before its reply is sent, logs it, and answers the next query', async () => {
    vi.spyOn(server.metrics, 'request').mockImplementationOnce(() => {
      throw new Error('injected fault');
    });
    const failed = await ask(port, 2, NAME);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ id: 2, rcode: 'SERVFAIL' });
    expect(warnings).toContain('dns query failed');
    const next = await ask(port, 3, NAME);
    expect(next).toHaveLength(1);
    expect(next[0]).toMatchObject({ id: 3, rcode: 'NOERROR' });
    expect(next[0]!.answers).toEqual([expect.objectContaining({ type: 'A', name: NAME, data: '10.96.0.20' })]);
  });

  it('sends no second reply when the throw comes after the answer went out (metrics), and goes on', async () => {
    const boom = () => {
      throw new Error('injected fault after send');
    };
    vi.spyOn(server.metrics, 'responseSampled').mockImplementation(boom);
    vi.spyOn(server.metrics, 'responseAsLast').mockImplementation(boom);
    const answered = await ask(port, 4, NAME);
    expect(answered).toHaveLength(1);
    expect(answered[0]).toMatchObject({ id: 4, rcode: 'NOERROR' });
    vi.restoreAllMocks();
    const next = await ask(port, 5, NAME);
    expect(next.map((p) => [p.id, p.rcode])).toEqual([[5, 'NOERROR']]);
  });

  it('times the first table answer of each type, so untimed ones never count a duration that was not measured', async () => {
    const srv = '_http._tcp.hostname.default.svc.cluster.local';
    expect(server.metrics.needsSample(33)).toBe(true);
    await ask(port, 6, srv, 'SRV', 0); // compiles the answer
    await ask(port, 7, srv, 'SRV', 0); // the first table hit of SRV: timed whatever the 1-in-16 counter says
    expect(server.metrics.needsSample(33)).toBe(false);
  });
});
