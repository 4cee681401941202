// Echo backends on 127.0.0.1 that record every request they see, and raw HTTP over net.connect.
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export class RecordingBackend {
  readonly seen: Seen[] = [];
  port = 0;
  private readonly server: Server;
  constructor(readonly name: string) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
        this.seen.push(s);
        const body = JSON.stringify({ name, ...s });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    this.server.on('upgrade', (req, socket: Socket) => {
      this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' });
      if (!req.headers['sec-websocket-key']) {
        socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      socket.on('data', (d: Buffer) => socket.write(d));
      socket.on('end', () => socket.end());
      socket.on('error', () => socket.destroy());
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Sends raw bytes and returns everything read until the peer closes or `ms` pass. */
export function rawHttp(port: number, payload: string | Buffer | readonly (string | Buffer)[], ms = 1500, gapMs = 0): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    const done = () => {
      clearTimeout(t);
      c.destroy();
      resolve({ text, closed });
    };
    const t = setTimeout(done, ms);
    c.on('data', (d) => (text += d.toString('latin1')));
    c.on('error', () => undefined);
    c.on('close', () => {
      closed = true;
      done();
    });
    const parts = Array.isArray(payload) ? payload : [payload];
    void (async () => {
      for (const p of parts) {
        if (c.destroyed) return;
        c.write(p);
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    })();
  });
}

/** Status codes of every response in a raw reply, in order. */
export const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
