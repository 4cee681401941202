import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Server as TcpServer, Socket } from 'node:net';

/** What an echo backend saw. */
export interface Echo {
  name: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A backend on 127.0.0.1 that answers every request with JSON naming itself and echoing the
 * request; WebSocket upgrades get a 101 and text frames echoed back prefixed with its name.
 */
export class EchoBackend {
  readonly server: Server;
  connections = 0;
  /** Requests received (upgrades included). */
  requests = 0;
  port = 0;
  constructor(readonly name: string) {
    this.server = createServer((req, res) => {
      this.requests++;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const echo: Echo = { name, method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
        const body = JSON.stringify(echo);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), server: 'echo', 'x-backend': name });
        res.end(body);
      });
    });
    this.server.on('connection', () => this.connections++);
    this.server.on('upgrade', (req, socket: Socket) => {
      this.requests++;
      const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      socket.on('data', (frame: Buffer) => {
        // Small masked text frames only: enough for the test client.
        const opcode = frame[0]! & 0x0f;
        if (opcode === 0x8) {
          socket.end();
          return;
        }
        const len = frame[1]! & 0x7f;
        const mask = frame.subarray(2, 6);
        const payload = Buffer.from(frame.subarray(6, 6 + len).map((b, i) => b ^ mask[i % 4]!));
        const reply = Buffer.from(`${name}:${payload.toString()}`);
        socket.write(Buffer.concat([Buffer.from([0x81, reply.length]), reply]));
      });
      socket.on('error', () => socket.destroy());
    });
  }

  /** Listens on `host` (loopback unless a test needs an address the store accepts as an endpoint). */
  async start(host = '127.0.0.1'): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, host, r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** A TCP server that misbehaves: `reset` drops each connection on the first byte, `silent` never answers. */
export async function badBackend(mode: 'reset' | 'silent'): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    if (mode === 'reset') s.once('data', () => s.resetAndDestroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A loopback port with nothing listening (bound, then released). */
export async function refusedPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * A raw TCP endpoint that reads request heads (bodiless) and writes whatever `answer(method,
 * target)` returns, byte for byte, closing after it when asked: for response shapes node:http
 * would not produce. `onConnection` counts or tracks connections.
 */
export function scriptedBackend(answer: (method: string, target: string) => { text: string | Buffer; close?: boolean }, onConnection?: (s: Socket) => void): TcpServer {
  return createTcpServer((s: Socket) => {
    onConnection?.(s);
    let buf = '';
    s.on('error', () => undefined);
    s.on('data', (d) => {
      buf += d.toString('latin1');
      let end: number;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        const [method, target] = buf.slice(0, end).split(' ');
        buf = buf.slice(end + 4);
        const a = answer(method!, target!);
        if (a.close) s.end(a.text, 'latin1');
        else s.write(a.text, 'latin1');
      }
    });
  });
}
