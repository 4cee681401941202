import dgram from 'node:dgram';
import net from 'node:net';
import { joinHostPort } from '@svcnet/model';
import { DnsError, parseHostPort } from './errors.js';
import { literalLookup } from './literalLookup.js';
import { isReplyTo, randomQueryId } from './upstreamReply.js';

export interface ForwarderOptions {
  /** Upstream resolvers, `host[:port]`, tried in order from the last one that answered. */
  upstreams: readonly string[];
  /** Per-upstream timeout (CoreDNS forward: `expire`-like read timeout). Default 2000 ms. */
  timeoutMs?: number;
  /** Most queries waiting on upstreams at once; beyond it queries fail fast (bounded memory). */
  maxInflight?: number;
}

interface Upstream {
  host: string;
  port: number;
  label: string;
  /** Set when this upstream was seen sending our own probe back: it must not be used. */
  loop: boolean;
}

export interface ForwardResult {
  response: Buffer;
  upstream: string;
}

/** One UDP query waiting on its own socket: `fail` ends it (and closes the socket). */
interface Pending {
  timer: NodeJS.Timeout;
  fail: (e: Error) => void;
}

/**
 * Sends questions to upstream resolvers over UDP (TCP when the answer is truncated), with fallback
 * to the next upstream on timeout, SERVFAIL or REFUSED, as the CoreDNS forward plugin.
 *
 * Spoofing resistance (RFC 5452): every UDP query goes out on a socket of its own, bound to a port
 * the kernel picks at random (Linux draws ephemeral ports at random from ip_local_port_range), and
 * connected to the upstream, so the kernel delivers only datagrams from that upstream's address
 * and port (as miekg/dns, whose Exchange dials a connected socket per query, and Unbound's
 * `udp-connect`); the ID comes from the CSPRNG; a reply counts only if it is a response to that ID
 * with the same question (name case-insensitive, type, class), else it is dropped and counted in
 * `unwanted` (Unbound's `unwanted.replies`) while the query keeps waiting for the real answer.
 * An off-path attacker must so guess port and ID together (about 2^30 tries instead of 2^16 with one
 * socket for the process's life), within the upstream's round trip. The socket closes with its query.
 * CoreDNS reuses cached upstream sockets for up to 10 s (`expire`); a fresh one per query is the
 * stronger choice RFC 5452 section 9.2 describes, and costs a bind and a close (see the README).
 */
export class Forwarder {
  readonly upstreams: Upstream[];
  requests = 0;
  failures = 0;
  /** Datagrams received on a query's socket that were not its reply (wrong ID, question or flags). */
  unwanted = 0;
  private readonly timeoutMs: number;
  private readonly maxInflight: number;
  private readonly pending = new Set<Pending>();
  private preferred = 0;
  private closed = false;

  constructor(o: ForwarderOptions) {
    this.upstreams = o.upstreams.map((u) => {
      const { host, port } = parseHostPort(u, 53, 'upstream');
      if (net.isIP(host) === 0) throw new DnsError('BadUpstream', `plugin/forward: upstream "${u}" is not an IP address`);
      return { host, port, label: joinHostPort(host, port), loop: false };
    });
    this.timeoutMs = o.timeoutMs ?? 2000;
    this.maxInflight = o.maxInflight ?? 1000;
  }

  get inflight(): number {
    return this.pending.size;
  }

  markLoop(index: number): void {
    const up = this.upstreams[index];
    if (up) up.loop = true;
  }

  /**
   * Asks the upstreams `question` (the bytes of one question section: name, type, class) and
   * returns the first usable response. Rejects with DnsError('ForwardFailed') when none answers.
   */
  async exchange(question: Buffer, only?: number): Promise<ForwardResult> {
    const order: number[] = [];
    const n = this.upstreams.length;
    if (only !== undefined) order.push(only);
    else for (let i = 0; i < n; i++) order.push((this.preferred + i) % n);
    let last: Error | undefined;
    for (const i of order) {
      const up = this.upstreams[i]!;
      if (up.loop && only === undefined) continue;
      this.requests++;
      try {
        let resp = await this.udp(up, question);
        if (resp.readUInt16BE(2) & 0x0200) resp = await this.tcp(up, question);
        const rcode = resp.readUInt16BE(2) & 0xf;
        if (rcode === 2 || rcode === 5) throw new Error(`${up.label} answered ${rcode === 2 ? 'SERVFAIL' : 'REFUSED'}`);
        if (only === undefined) this.preferred = i;
        return { response: resp, upstream: up.label };
      } catch (e) {
        this.failures++;
        last = e as Error;
      }
    }
    throw new DnsError('ForwardFailed', `plugin/forward: no upstream answered (${last?.message ?? 'all upstreams refused as loops'})`);
  }

  private query(id: number, question: Buffer): Buffer {
    const b = Buffer.alloc(12 + question.length + 11);
    b.writeUInt16BE(id, 0);
    b.writeUInt16BE(0x0100, 2); // RD
    b.writeUInt16BE(1, 4);
    b.writeUInt16BE(1, 10);
    question.copy(b, 12);
    const o = 12 + question.length;
    b.writeUInt16BE(41, o + 1);
    b.writeUInt16BE(1232, o + 3);
    return b;
  }

  private udp(up: Upstream, question: Buffer): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('forwarder closed'));
    if (this.pending.size >= this.maxInflight) return Promise.reject(new Error('too many queries in flight'));
    const id = randomQueryId();
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket({ type: net.isIPv6(up.host) ? 'udp6' : 'udp4', lookup: literalLookup });
      const finish = (e: Error | undefined, m?: Buffer) => {
        if (!this.pending.delete(p)) return;
        clearTimeout(p.timer);
        socket.close();
        if (e) reject(e);
        else resolve(m!);
      };
      const p: Pending = {
        timer: setTimeout(() => finish(new Error(`${up.label} timed out after ${this.timeoutMs} ms`)), this.timeoutMs),
        fail: (e) => finish(e),
      };
      this.pending.add(p);
      socket.unref();
      // ECONNREFUSED (the upstream's ICMP port unreachable, reported on a connected socket) fails
      // over to the next upstream at once instead of after the timeout.
      socket.on('error', (e) => finish(new Error(`${up.label}: ${e.message}`)));
      socket.on('message', (m, r) => {
        // The kernel filters by source on a connected socket; the address check stays as a second line.
        if (r.port === up.port && r.address === up.host && isReplyTo(m, id, question)) finish(undefined, m);
        else this.unwanted++;
      });
      // A connect that fails (no route to the upstream, a broadcast address) calls back with the
      // error; a send on the still unconnected socket would throw (no port) and end the process.
      socket.connect(up.port, up.host, (err?: Error) => {
        if (err) return finish(new Error(`${up.label}: ${err.message}`));
        if (!this.pending.has(p)) return;
        socket.send(this.query(id, question), (err) => {
          if (err) finish(err);
        });
      });
    });
  }

  private tcp(up: Upstream, question: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const id = randomQueryId();
      const q = this.query(id, question);
      const sock = net.connect({ host: up.host, port: up.port });
      let buf = Buffer.alloc(0);
      let settled = false;
      const done = (e?: Error, b?: Buffer) => {
        if (settled) return;
        settled = true;
        sock.destroy();
        if (e) reject(e);
        else resolve(b!);
      };
      sock.setTimeout(this.timeoutMs, () => done(new Error(`${up.label} timed out over TCP`)));
      sock.on('error', (e) => done(e));
      sock.on('connect', () => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(q.length);
        sock.write(Buffer.concat([len, q]));
      });
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const m = buf.subarray(2, 2 + buf.readUInt16BE(0));
          // One query per connection, so anything but its reply ends the exchange (as the ID check
          // of a UDP reply, with the question too: a TCP peer is harder to spoof, not impossible).
          if (!isReplyTo(m, id, question)) done(new Error(`${up.label} sent a mismatched TCP answer`));
          else done(undefined, Buffer.from(m));
        }
      });
      sock.on('end', () => done(new Error(`${up.label} closed the TCP connection`)));
    });
  }

  close(): void {
    this.closed = true;
    for (const p of [...this.pending]) p.fail(new Error('forwarder closed'));
  }
}

/** Nameservers of a resolv.conf text (the production default for `upstreams`). */
export function resolvConfNameservers(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m && net.isIP(m[1]!.replace(/%.*$/, ''))) out.push(m[1]!.replace(/%.*$/, ''));
  }
  return out;
}
