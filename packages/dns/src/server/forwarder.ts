import dgram from 'node:dgram';
import net from 'node:net';
import { DnsError, parseHostPort } from './errors.js';

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

interface Pending {
  resolve: (b: Buffer) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  up: Upstream;
  question: Buffer;
}

export interface ForwardResult {
  response: Buffer;
  upstream: string;
}

const sameQuestion = (a: Buffer, b: Buffer, bOff: number) => {
  if (bOff + a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) {
    let x = a[i]!;
    let y = b[bOff + i]!;
    if (x >= 0x41 && x <= 0x5a) x |= 0x20;
    if (y >= 0x41 && y <= 0x5a) y |= 0x20;
    if (x !== y) return false;
  }
  return true;
};

/**
 * Sends questions to upstream resolvers over UDP (TCP when the answer is truncated), with fallback
 * to the next upstream on timeout, SERVFAIL or REFUSED, as the CoreDNS forward plugin.
 */
export class Forwarder {
  readonly upstreams: Upstream[];
  requests = 0;
  failures = 0;
  private readonly timeoutMs: number;
  private readonly maxInflight: number;
  private readonly pending = new Map<number, Pending>();
  private sockets: { udp4?: dgram.Socket; udp6?: dgram.Socket } = {};
  private preferred = 0;
  private closed = false;

  constructor(o: ForwarderOptions) {
    this.upstreams = o.upstreams.map((u) => {
      const { host, port } = parseHostPort(u, 53, 'upstream');
      if (net.isIP(host) === 0) throw new DnsError('BadUpstream', `plugin/forward: upstream "${u}" is not an IP address`);
      return { host, port, label: net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`, loop: false };
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

  private socket(v6: boolean): dgram.Socket {
    const k = v6 ? 'udp6' : 'udp4';
    let s = this.sockets[k];
    if (!s) {
      s = dgram.createSocket(k);
      s.on('message', (m, r) => this.onMessage(m, r));
      s.on('error', () => undefined);
      s.unref();
      this.sockets[k] = s;
    }
    return s;
  }

  private onMessage(m: Buffer, r: dgram.RemoteInfo): void {
    if (m.length < 12) return;
    const p = this.pending.get(m.readUInt16BE(0));
    if (!p || r.port !== p.up.port || r.address !== p.up.host || !(m[2]! & 0x80)) return;
    if (m.readUInt16BE(4) !== 1 || !sameQuestion(p.question, m, 12)) return;
    this.pending.delete(m.readUInt16BE(0));
    clearTimeout(p.timer);
    p.resolve(m);
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
    let id = (Math.random() * 0x10000) | 0;
    for (let i = 0; this.pending.has(id) && i < 0x10000; i++) id = (id + 1) & 0xffff;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${up.label} timed out after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer, up, question });
      this.socket(net.isIPv6(up.host)).send(this.query(id, question), up.port, up.host, (err) => {
        if (!err) return;
        this.pending.delete(id);
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  private tcp(up: Upstream, question: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const id = (Math.random() * 0x10000) | 0;
      const q = this.query(id, question);
      const sock = net.connect({ host: up.host, port: up.port });
      let buf = Buffer.alloc(0);
      const done = (e?: Error, b?: Buffer) => {
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
          if (m.length < 12 || m.readUInt16BE(0) !== id || !sameQuestion(question, m, 12)) done(new Error(`${up.label} sent a mismatched TCP answer`));
          else done(undefined, Buffer.from(m));
        }
      });
      sock.on('end', () => done(new Error(`${up.label} closed the TCP connection`)));
    });
  }

  close(): void {
    this.closed = true;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error('forwarder closed'));
    }
    this.pending.clear();
    this.sockets.udp4?.close();
    this.sockets.udp6?.close();
    this.sockets = {};
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
