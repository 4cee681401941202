import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IngressServer, IngressView } from '../src/index.js';
import { ingress, path, rule, service, slice } from './fixtures.js';

const L = '127.0.0.1';

/** A WebSocket-ish backend: answers 101, then pings every 50 ms and never ends on its own. */
class StubbornBackend {
  readonly server: Server;
  readonly sockets: { socket: Socket; gotEnd: boolean; closed: Promise<void> }[] = [];
  port = 0;
  constructor() {
    this.server = createServer({ allowHalfOpen: true }, (socket) => {
      const entry = { socket, gotEnd: false, closed: new Promise<void>((r) => socket.once('close', () => r())) };
      this.sockets.push(entry);
      socket.on('error', () => undefined);
      socket.on('end', () => (entry.gotEnd = true));
      socket.once('data', () => {
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
        const ping = setInterval(() => (socket.destroyed ? clearInterval(ping) : socket.write(Buffer.from([0x89, 0]))), 50);
        socket.once('close', () => clearInterval(ping));
      });
    });
  }
  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, L, r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.socket.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

let backend: StubbornBackend;
let server: IngressServer | undefined;
let port = 0;

beforeEach(async () => {
  backend = await new StubbornBackend().start();
  const view = new IngressView();
  view.load([service('ws', [{ port: 8080, name: 'http' }]), slice('ws', 'http', backend.port, [[L, true]]), ingress('ws', { rules: [rule('ws.test', path('/', 'Prefix', 'ws'))] })]);
  server = new IngressServer({ view, listen: { host: L, port: 0 }, tunnelHalfCloseTimeoutMs: 200 });
  port = (await server.start()).http!.port;
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await backend.close();
});

/** Opens a tunnel through the router; resolves once the 101 arrived. */
async function upgrade(): Promise<Socket> {
  const sock = connect(port, L);
  sock.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    sock.on('data', function onData(d: Buffer) {
      buf += d.toString('latin1');
      if (buf.includes('\r\n\r\n')) {
        sock.off('data', onData);
        if (buf.startsWith('HTTP/1.1 101')) resolve();
        else reject(new Error(`no 101: ${buf}`));
      }
    });
    sock.write('GET /chat HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  });
  return sock;
}

describe('WebSocket tunnels', () => {
  it('a client that goes away while the backend keeps its side open: the backend side is closed too', async () => {
    const client = await upgrade();
    expect(server!.openTunnels).toBe(1);
    client.destroy();
    // The router forwards the FIN, then destroys the pair after tunnelHalfCloseTimeoutMs; the
    // backend's next ping then fails and its socket closes.
    await backend.sockets[0]!.closed;
    expect(backend.sockets[0]!.gotEnd).toBe(true);
    for (let i = 0; i < 50 && server!.openTunnels > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server!.openTunnels).toBe(0);
    await server!.close();
  }, 8000);

  it('close() resolves while a tunnel is open, and closes both sides', async () => {
    const client = await upgrade();
    const clientClosed = new Promise<void>((r) => client.once('close', () => r()));
    await server!.close();
    server = undefined;
    await clientClosed;
    await backend.sockets[0]!.closed;
    expect(backend.sockets).toHaveLength(1);
  }, 8000);

  it('a backend that ends its side: the client sees the end and the tunnel goes away', async () => {
    const client = await upgrade();
    const clientEnded = new Promise<void>((r) => client.once('end', () => r()));
    backend.sockets[0]!.socket.end();
    await clientEnded;
    client.end();
    await backend.sockets[0]!.closed;
    for (let i = 0; i < 50 && server!.openTunnels > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server!.openTunnels).toBe(0);
  }, 8000);
});
