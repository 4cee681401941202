import dgram from 'node:dgram';
import net from 'node:net';
import type { Clock } from '@svcnet/store';
import type { EndpointInfo, Protocol } from '../core/types.js';
import { RoundRobin } from './loadBalancer.js';

/** Upstream userspace proxy tried a few endpoints before giving up on a TCP connection. */
const MAX_TRIES = 3;
const UDP_IDLE_MS = 10_000;

/**
 * One listening address of one service port (a "portal" in upstream's userspace proxier): accepts
 * TCP connections or UDP datagrams and forwards them to the current endpoints.
 */
export class Portal {
  readonly lb: RoundRobin;
  private server: net.Server | undefined;
  private udp: dgram.Socket | undefined;
  private readonly sessions = new Map<string, { sock: dgram.Socket; timer: NodeJS.Timeout }>();
  private readonly sockets = new Set<net.Socket>();

  constructor(
    readonly host: string,
    readonly port: number,
    readonly protocol: Protocol,
    clock: Clock,
  ) {
    this.lb = new RoundRobin(clock);
  }

  setEndpoints(eps: readonly EndpointInfo[], affinitySeconds: number): void {
    this.lb.update(eps, affinitySeconds);
  }

  async open(): Promise<void> {
    if (this.protocol === 'UDP') {
      const family = net.isIPv6(this.host) ? 'udp6' : 'udp4';
      const sock = dgram.createSocket(family);
      sock.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
      sock.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind(this.port, this.host, () => resolve());
      });
      this.udp = sock;
      return;
    }
    const server = net.createServer((client) => this.onConnection(client));
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => resolve());
    });
    this.server = server;
  }

  private onConnection(client: net.Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => undefined);
    client.pause();
    const clientIP = (client.remoteAddress ?? '').replace(/^::ffff:/, '');
    const tried = new Set<string>();
    const attempt = () => {
      const ep = tried.size < MAX_TRIES ? this.lb.pick(clientIP, tried) : undefined;
      if (!ep) {
        client.destroy();
        return;
      }
      tried.add(ep.endpoint);
      const upstream = net.connect({ host: ep.ip, port: ep.port });
      let connected = false;
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      upstream.on('error', () => {
        // Not connected yet: try another endpoint (as upstream's userspace proxy did).
        if (!connected && !client.destroyed) attempt();
        else client.destroy();
      });
      upstream.once('connect', () => {
        connected = true;
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt();
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const key = `${rinfo.address}:${rinfo.port}`;
    let s = this.sessions.get(key);
    if (!s) {
      const ep = this.lb.pick(rinfo.address);
      if (!ep) return;
      const sock = dgram.createSocket(net.isIPv6(ep.ip) ? 'udp6' : 'udp4');
      sock.on('error', () => undefined);
      sock.connect(ep.port, ep.ip);
      sock.on('message', (reply) => this.udp?.send(reply, rinfo.port, rinfo.address));
      const session = { sock, timer: setTimeout(() => this.endSession(key), UDP_IDLE_MS) };
      this.sessions.set(key, session);
      s = session;
      sock.once('connect', () => sock.send(msg));
      return;
    }
    s.timer.refresh();
    try {
      s.sock.send(msg);
    } catch {
      this.endSession(key);
    }
  }

  private endSession(key: string): void {
    const s = this.sessions.get(key);
    if (!s) return;
    clearTimeout(s.timer);
    s.sock.close();
    this.sessions.delete(key);
  }

  async close(): Promise<void> {
    for (const k of [...this.sessions.keys()]) this.endSession(k);
    this.udp?.close();
    this.udp = undefined;
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  /** Ends every proxied connection (on shutdown). */
  destroyConnections(): void {
    for (const s of this.sockets) s.destroy();
  }
}
