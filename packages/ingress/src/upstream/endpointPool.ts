import type { Upstream } from '../routes/backends.js';
import { UpstreamConnection } from './upstreamConnection.js';
import type { ConnectionOwner, ConnectionTimeouts } from './upstreamConnection.js';

/** One who waits for a connection to an endpoint (a proxied exchange). */
export interface ConnectionWaiter {
  /** A connected, idle connection, now owned by the waiter. */
  onConnection(conn: UpstreamConnection): void;
  /** Connecting failed: nothing was sent, so the request may go to another endpoint. */
  onConnectFailed(err: Error): void;
}

export interface EndpointPoolOptions extends ConnectionTimeouts {
  /** Connections per endpoint; more requests wait for one (default 128). */
  maxConnections: number;
  /** Idle time before a kept-alive connection is closed. */
  keepAliveTimeoutMs: number;
}

/**
 * Keep-alive connections to one endpoint: idle ones are reused last-in first-out (the warmest
 * socket, and the rest can expire), new ones are opened up to `maxConnections`, and beyond that
 * requests wait in order. An endpoint's `Keep-Alive: timeout=N` shortens the idle time (by a
 * second, so the router never reuses a connection the endpoint is closing).
 */
export class EndpointPool implements ConnectionOwner {
  private readonly idle: UpstreamConnection[] = [];
  private readonly waiting: ConnectionWaiter[] = [];
  private total = 0;
  private closed = false;

  constructor(
    readonly upstream: Upstream,
    private readonly options: EndpointPoolOptions,
  ) {}

  get size(): number {
    return this.total;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /** Gives `w` a connection now (idle or new) or when one frees up. */
  acquire(w: ConnectionWaiter): void {
    if (this.idle.length > 0) {
      const now = performance.now();
      let conn: UpstreamConnection | undefined;
      while ((conn = this.idle.pop())) {
        if (now - conn.idleSince < this.idleLimit(conn)) {
          w.onConnection(conn);
          return;
        }
        conn.destroy(); // expired (or about to be closed by the endpoint)
      }
    }
    if (this.total < this.options.maxConnections) this.open(w);
    else this.waiting.push(w);
  }

  /** Forgets a waiter that no longer wants a connection. */
  cancel(w: ConnectionWaiter): void {
    const i = this.waiting.indexOf(w);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  release(conn: UpstreamConnection): void {
    if (this.closed) {
      conn.destroy();
      return;
    }
    const w = this.waiting.shift();
    if (w) {
      w.onConnection(conn);
      return;
    }
    conn.idleSince = performance.now();
    this.idle.push(conn);
  }

  remove(conn: UpstreamConnection): void {
    this.total--;
    const i = this.idle.lastIndexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    if (!this.closed && this.waiting.length > 0 && this.total < this.options.maxConnections) this.open(this.waiting.shift()!);
  }

  /** Closes idle connections kept longer than the keep-alive time. */
  expire(now: number): void {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const c = this.idle[i]!;
      if (now - c.idleSince >= this.idleLimit(c)) c.destroy(); // 'close' removes it
    }
  }

  private idleLimit(c: UpstreamConnection): number {
    const hint = c.keepAliveHintMs;
    const own = this.options.keepAliveTimeoutMs;
    return hint !== undefined && hint - 1000 < own ? hint - 1000 : own;
  }

  close(): void {
    this.closed = true;
    for (const c of this.idle.splice(0)) c.destroy();
    const err = new Error(`ingress: the pool of ${this.upstream.key} closed`);
    for (const w of this.waiting.splice(0)) w.onConnectFailed(err);
  }

  private open(w: ConnectionWaiter): void {
    this.total++;
    const u = this.upstream;
    new UpstreamConnection(u.key, u.address, u.port, this, this.options, (conn, err) => {
      if (err) w.onConnectFailed(err);
      else if (this.closed) {
        conn.destroy();
        w.onConnectFailed(new Error(`ingress: the pool of ${u.key} closed`));
      } else w.onConnection(conn);
    });
  }
}
