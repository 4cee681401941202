import dgram from 'node:dgram';
import * as dnsPacket from 'dns-packet';

/** One query as the resolver received it: the name (lower case), type, ID and where it came from. */
export interface SeenQuery {
  name: string;
  type: string;
  id: number;
  address: string;
  port: number;
}

/**
 * A tiny authoritative resolver on 127.0.0.1 for forwarding tests: answers A records from a table,
 * NXDOMAIN (with an SOA) for everything else, and counts what it was asked. With `forwardTo` it
 * instead relays every query to that port (a resolver that sends our queries back: a loop). Names
 * in `hold` are answered only when `release()` is called (a slow upstream, the window a spoofer
 * races), and `sendAs` sends any datagram from the resolver's own address and port.
 */
export class TestResolver {
  readonly asked: string[] = [];
  readonly seen: SeenQuery[] = [];
  private held: (() => void)[] = [];
  private sock?: dgram.Socket;
  port = 0;

  constructor(
    private readonly records: Record<string, string>,
    private readonly o: { silent?: boolean; forwardTo?: number; ttl?: number; hold?: readonly string[] } = {},
  ) {}

  async start(): Promise<number> {
    const s = dgram.createSocket('udp4');
    this.sock = s;
    s.on('message', (m, r) => this.onQuery(m, r));
    s.on('error', () => undefined); // a datagram `sendAs` could not deliver is the test's business, not a crash
    await new Promise<void>((res) => s.bind(0, '127.0.0.1', () => res()));
    this.port = s.address().port;
    return this.port;
  }

  private onQuery(m: Buffer, r: dgram.RemoteInfo): void {
    let q: dnsPacket.DecodedPacket;
    try {
      q = dnsPacket.decode(m);
    } catch {
      return;
    }
    const question = q.questions?.[0];
    if (!question) return;
    this.asked.push(`${question.name.toLowerCase()} ${question.type}`);
    this.seen.push({ name: question.name.toLowerCase(), type: question.type, id: q.id ?? 0, address: r.address, port: r.port });
    if (this.o.silent) return;
    if (this.o.forwardTo !== undefined) {
      const relay = dgram.createSocket('udp4');
      relay.on('message', (resp) => {
        this.sock?.send(resp, r.port, r.address);
        relay.close();
      });
      relay.send(m, this.o.forwardTo, '127.0.0.1');
      setTimeout(() => relay.close(), 3000).unref();
      return;
    }
    const ip = this.records[question.name.toLowerCase()];
    const ttl = this.o.ttl ?? 300;
    const answers: dnsPacket.Answer[] = ip && question.type === 'A' ? [{ name: question.name, type: 'A', ttl, data: ip }] : [];
    const soa: dnsPacket.Answer = {
      name: 'test',
      type: 'SOA',
      ttl: 60,
      data: { mname: 'ns.test', rname: 'hostmaster.test', serial: 1, refresh: 60, retry: 60, expire: 60, minimum: 30 },
    };
    const resp = dnsPacket.encode({
      id: q.id,
      type: 'response',
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (ip || question.type !== 'A' ? 0 : 3),
      questions: q.questions,
      answers,
      authorities: answers.length ? [] : [soa],
    });
    if (this.o.hold?.includes(question.name.toLowerCase())) this.held.push(() => this.sock?.send(resp, r.port, r.address));
    else this.sock?.send(resp, r.port, r.address);
  }

  /** Sends the answers held back so far. */
  release(): void {
    for (const send of this.held.splice(0)) send();
  }

  /**
   * Sends `msg` to 127.0.0.1:`port` from this resolver's own socket: on the wire exactly what an
   * off-path attacker forging the upstream's source address and port sends (loopback cannot show a
   * forged source otherwise without raw sockets).
   */
  sendAs(msg: Buffer, port: number): void {
    this.sock!.send(msg, port, '127.0.0.1');
  }

  stop(): void {
    this.sock?.close();
  }
}
