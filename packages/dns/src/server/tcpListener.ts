import net from 'node:net';

export interface TcpListenerOptions {
  idleTimeoutMs: number;
  maxConnections: number;
  /** One message from the client at `remoteAddress` (as the socket reported it when accepted). */
  onMessage(msg: Buffer, v6: boolean, reply: (b: Buffer) => void, remoteAddress: string): void;
}

/**
 * DNS over TCP (RFC 7766): 2-byte length-prefixed messages, several per connection (answers may
 * come back out of order), idle connections closed, at most `maxConnections` at once. A
 * connection's buffer never holds more than one maximal message, so memory stays bounded.
 */
export class TcpListener {
  private readonly server: net.Server;
  private readonly conns = new Set<net.Socket>();

  constructor(private readonly o: TcpListenerOptions) {
    this.server = net.createServer((s) => this.accept(s));
    this.server.maxConnections = o.maxConnections;
    this.server.on('error', () => undefined);
  }

  /** `reusePort`: SO_REUSEPORT, so that other workers' listeners share the address (Node 22.12+). */
  listen(host: string, port: number, reusePort = false): Promise<{ address: string; port: number }> {
    return new Promise((res, rej) => {
      this.server.once('error', rej);
      this.server.listen({ port, host, ...(reusePort ? { reusePort: true } : {}) } as net.ListenOptions, () => {
        this.server.off('error', rej);
        const a = this.server.address() as net.AddressInfo;
        res({ address: a.address, port: a.port });
      });
    });
  }

  close(): Promise<void> {
    for (const s of this.conns) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }

  private accept(s: net.Socket): void {
    this.conns.add(s);
    const v6 = s.remoteFamily === 'IPv6';
    const remote = s.remoteAddress ?? ''; // undefined once the peer is gone: then nothing is answered anyway
    let buf: Buffer = Buffer.alloc(0);
    s.setNoDelay(true);
    s.setTimeout(this.o.idleTimeoutMs, () => s.destroy());
    s.on('error', () => s.destroy());
    s.on('close', () => this.conns.delete(s));
    const reply = (b: Buffer) => {
      if (s.destroyed || b.length > 0xffff) return;
      const len = Buffer.allocUnsafe(2);
      len.writeUInt16BE(b.length);
      s.write(Buffer.concat([len, b]));
    };
    s.on('data', (d: Buffer) => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      // Bounded: each turn consumes whole messages; at most 65537 bytes wait for the rest of one.
      for (let n = 0; n < 1000 && buf.length >= 2; n++) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = Buffer.from(buf.subarray(2, 2 + len));
        buf = buf.subarray(2 + len);
        this.o.onMessage(msg, v6, reply, remote);
      }
      if (buf.length > 2 + 0xffff) s.destroy();
    });
  }
}
