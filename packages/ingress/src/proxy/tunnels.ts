import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Destroys an endpoint socket with a TCP RST when it can: an endpoint that keeps its half of a
 * tunnel open after a FIN (node:http upgrade sockets do) would otherwise never see it end.
 */
function abort(socket: Duplex): void {
  const s = socket as Partial<Socket> & Duplex;
  if (!s.destroyed && !s.connecting && typeof s.resetAndDestroy === 'function') {
    try {
      s.resetAndDestroy();
      return;
    } catch {
      // not a TCP handle: fall through
    }
  }
  socket.destroy();
}

/**
 * The upgraded (WebSocket) connections of a router. node:http forgets a socket once it is
 * upgraded, so `closeAllConnections()` does not reach it: the router tracks each client socket and
 * its endpoint socket here, splices them, and destroys them all on close.
 *
 * Half-close: when one side ends (FIN) or closes, the other is ended too, and both are destroyed
 * after `halfCloseTimeoutMs` if they have not closed by then, so a peer that keeps its half open
 * cannot hold file descriptors for ever.
 */
export class Tunnels {
  private readonly clients = new Set<Duplex>();
  private readonly upstreams = new Set<Duplex>();

  constructor(readonly halfCloseTimeoutMs: number) {}

  /** Client sockets of upgrades in progress or spliced (until they close). */
  get size(): number {
    return this.clients.size;
  }

  /** Upstream sockets still open (until they close). */
  get upstreamCount(): number {
    return this.upstreams.size;
  }

  trackClient(socket: Duplex): void {
    this.track(this.clients, socket);
  }

  trackUpstream(socket: Duplex): void {
    this.track(this.upstreams, socket);
  }

  /** Pipes both ways; an end, close or error on either side tears the pair down. */
  splice(client: Duplex, upstream: Duplex): void {
    let timer: NodeJS.Timeout | undefined;
    const destroy = (): void => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      client.destroy();
      abort(upstream);
    };
    const closing = (other: Duplex) => (): void => {
      if (!other.destroyed && !other.writableEnded) other.end();
      if (client.destroyed && upstream.destroyed) return destroy();
      if (!timer) {
        timer = setTimeout(destroy, this.halfCloseTimeoutMs);
        timer.unref();
      }
    };
    client.pipe(upstream, { end: false });
    upstream.pipe(client, { end: false });
    client.once('end', closing(upstream));
    upstream.once('end', closing(client));
    client.once('close', closing(upstream));
    upstream.once('close', closing(client));
    client.on('error', destroy);
    upstream.on('error', destroy);
    let closed = 0;
    const bothClosed = (): void => {
      if (++closed === 2 && timer) clearTimeout(timer);
    };
    client.once('close', bothClosed);
    upstream.once('close', bothClosed);
  }

  /** Destroys every tracked socket (server close). */
  destroyAll(): void {
    for (const s of this.clients) s.destroy();
    for (const s of this.upstreams) abort(s);
  }

  private track(set: Set<Duplex>, socket: Duplex): void {
    if (socket.destroyed) return;
    set.add(socket);
    socket.once('close', () => set.delete(socket));
  }
}
