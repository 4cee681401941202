import dgram from 'node:dgram';
import http from 'node:http';
import { ipFamily } from '@svcnet/model';

/** Who answers: the simulated Pod, so that a client sees which one served it. */
export interface EchoIdentity {
  /** `namespace/name` of the Pod. */
  pod: string;
  ip: string;
  node: string;
}

/**
 * The tiny server behind one port of one simulated Pod: HTTP on TCP (any request is answered with
 * one JSON line naming the Pod, the address and port it was reached on, and the request), a
 * datagram echo on UDP (the same JSON, with the datagram's length). Listens on the Pod's own
 * address, which the agent has added to this machine.
 */
export class EchoServer {
  private tcp: http.Server | undefined;
  private udp: dgram.Socket | undefined;

  constructor(
    readonly who: EchoIdentity,
    readonly port: number,
    readonly protocol: 'TCP' | 'UDP',
  ) {}

  async start(): Promise<void> {
    const base = { pod: this.who.pod, ip: this.who.ip, port: this.port, node: this.who.node };
    if (this.protocol === 'UDP') {
      const sock = dgram.createSocket(ipFamily(this.who.ip) === 'IPv6' ? 'udp6' : 'udp4');
      sock.on('message', (msg, r) => sock.send(`${JSON.stringify({ ...base, protocol: 'UDP', bytes: msg.length })}\n`, r.port, r.address));
      sock.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind(this.port, this.who.ip, () => resolve());
      });
      this.udp = sock;
      return;
    }
    const server = http.createServer((req, res) => {
      req.resume();
      const body = `${JSON.stringify({ ...base, protocol: 'TCP', method: req.method, path: req.url, client: req.socket.remoteAddress })}\n`;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'X-Simulated-Pod': this.who.pod });
      res.end(body);
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.who.ip, () => resolve());
    });
    this.tcp = server;
  }

  async close(): Promise<void> {
    this.udp?.close();
    this.udp = undefined;
    const server = this.tcp;
    this.tcp = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  }
}
