import type { Socket } from 'node:net';
import { FastExchange } from './fastExchange.js';
import type { FastClient } from './fastExchange.js';
import { FastSocket } from '../socket/fastSocket.js';
import type { ProxyContext } from '../proxy/proxyContext.js';
import { scanRequestHead } from '../http1/requestHeadParser.js';
import { ConnectionRoutes } from './routeCache.js';
import { UpstreamHeadWriter } from '../http1/upstreamRequestHead.js';

export interface FastPathOptions {
  /** node:http's keepAliveTimeout: idle time between requests before the connection is closed. */
  keepAliveMs: number;
  /** node:http's headersTimeout: a connection that sends nothing this long gets 408, as there. */
  headersTimeoutMs: number;
  /** The listener's bound port (X-Forwarded-Port). */
  localPort(): number;
  /** The listener's scheme (X-Forwarded-Proto): `https` for a TLS listener's decrypted connections. */
  proto: 'http' | 'https';
  /**
   * Gives the connection to node:http's connection listener (nothing read from it yet is lost: see
   * handOff). The fast path runs only when that listener was identified (nodeConnectionListener.ts).
   */
  handOff(socket: Socket): void;
}

/** Pipelined bytes buffered while a request is proxied before reading pauses. */
const MAX_PENDING = 64 * 1024;
/** node:http's connection line for an answer to a `Connection: close` request (no Keep-Alive). */
const CLOSE_LINES = 'Connection: close\r\n';
const REQUEST_TIMEOUT_408 = 'HTTP/1.1 408 Request Timeout\r\nServer: svcnet-ingress\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';

/**
 * A client connection served without node:http while its requests are simple: a plain TCP socket,
 * or a TLS socket after its handshake (read and written on its cleartext side). Each
 * bodiless keep-alive GET/HEAD that routes to a backend (requestHeadParser.ts says which) is
 * parsed here and proxied by a FastExchange, one at a time, in order (pipelined requests wait in
 * `pending`). The first request that is anything else — malformed, with a body, an upgrade, a
 * 404/503/308 answer, a head split across reads — hands the connection, with every unread byte,
 * to node:http for good, so those keep exactly their old behaviour. Why: node:http's per-request
 * machinery (IncomingMessage, ServerResponse, stream writes) was most of the router's CPU time.
 */
export class FastConnection implements FastClient {
  /** The connection lines of the answer being written (keep-alive, or close after a `Connection: close` request). */
  connectionLines: string;
  /** A `Connection: close` request is being answered: the connection ends after it, later bytes are ignored. */
  private closing = false;
  /** The socket read and written without its stream layer where Node allows (fastSocket.ts). */
  readonly out: FastSocket;
  private pending: Buffer | undefined;
  /** `pending` is a view of the shared read buffer (during a `data` call only). */
  private volatile = false;
  private exchange: FastExchange | undefined;
  private served = false;
  private readonly onEnd = () => this.clientEnded();
  /** The client is not reading its answers: the next pipelined request waits for 'drain'. */
  private waitingForDrain = false;
  /** The client's address, read once (socket.remoteAddress asks the kernel until it has an answer). */
  private readonly peer: string;
  private readonly routes: ConnectionRoutes;
  /** Made at the first request (the listener's port is known by then). */
  private heads: UpstreamHeadWriter | undefined;
  private readonly onError = () => this.socket.destroy();
  private readonly onClose = () => this.closed();

  constructor(
    readonly socket: Socket,
    private readonly ctx: ProxyContext,
    private readonly options: FastPathOptions,
    connectionLines: string,
    private readonly live: Set<FastConnection>,
  ) {
    this.connectionLines = connectionLines;
    this.peer = socket.remoteAddress ?? '';
    this.routes = new ConnectionRoutes(ctx);
    live.add(this);
    this.out = new FastSocket(socket, { data: (chunk) => this.data(chunk), drain: () => this.drained(), idle: () => this.timedOut() }, { sharedReads: true });
    this.out.setIdleTimeout(options.headersTimeoutMs);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    const early = this.out.takeBuffered();
    if (early) this.data(early);
  }

  destroy(): void {
    this.socket.destroy();
  }

  exchangeDone(): void {
    this.exchange = undefined;
    if (this.socket.destroyed) return;
    // Like node:http, answer no further pipelined request while the client leaves answers unread.
    if (this.out.needsDrain) {
      this.waitingForDrain = true;
      return;
    }
    this.continue();
  }

  private drained(): void {
    if (this.exchange) this.exchange.clientDrained();
    else if (this.waitingForDrain) {
      this.waitingForDrain = false;
      this.continue();
    }
  }

  /** After an answer: the next pipelined request, if one came, or the end after a `Connection: close` one. */
  private continue(): void {
    if (this.closing) {
      // As node:http (its last response ends the socket): every byte answered, then the end.
      this.socket.end();
      return;
    }
    this.out.resume();
    if (this.pending) this.next();
  }

  /** `chunk` may be a view of a read buffer shared by all connections: only copies of it are kept. */
  private data(chunk: Buffer): void {
    if (this.closing) return; // requests after `Connection: close` get no answer (node:http ends the connection too)
    if (this.pending === undefined && this.exchange === undefined && !this.waitingForDrain) {
      // The usual case, a request in one read: parsed and routed where it was read.
      this.pending = chunk;
      this.volatile = true;
      this.next();
      if (this.volatile) {
        this.volatile = false;
        if (this.pending !== undefined) this.pending = Buffer.from(this.pending); // pipelined: keep a copy
      }
      return;
    }
    this.pending = this.pending ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    if (this.exchange || this.waitingForDrain) {
      // Pipelined requests wait for the response before them; bound what they may buffer.
      if (this.pending.length > MAX_PENDING) this.out.pause();
      return;
    }
    this.next();
  }

  /** Starts the next pending request, or hands the connection to node:http. */
  private next(): void {
    const buf = this.pending!;
    const head = scanRequestHead(buf, 0);
    if (typeof head === 'string') {
      this.handOff();
      return;
    }
    const route = this.routes.find(head);
    if (route === undefined) {
      this.handOff();
      return;
    }
    const started = performance.now();
    this.pending = head.end === buf.length || head.close ? undefined : buf.subarray(head.end);
    if (head.close) {
      this.closing = true;
      this.connectionLines = CLOSE_LINES;
    }
    if (!this.served) {
      this.served = true;
      this.out.setIdleTimeout(this.options.keepAliveMs);
    }
    const heads = (this.heads ??= new UpstreamHeadWriter(this.peer, this.ctx.trusted, this.options.localPort(), this.options.proto));
    const upstreamHead = heads.write(head, route.forward);
    const exchange = new FastExchange(this.ctx, this, route.routed, upstreamHead, head.method === 'HEAD', heads.requestId, started);
    this.exchange = exchange;
    exchange.send();
  }

  /**
   * node:http takes the connection from here on. Its connection listener starts reading the socket
   * itself; the bytes this side read but did not use are given to it first, as a 'data' event
   * (what node:http listens to on a socket it did not consume), so nothing is lost or reordered.
   */
  private handOff(): void {
    const s = this.socket;
    this.detach();
    this.options.handOff(s);
    // node:http's parser may keep views of what it is given (body chunks): a copy when volatile.
    const pending = this.pending && this.volatile ? Buffer.from(this.pending) : this.pending;
    this.pending = undefined;
    this.volatile = false;
    if (pending) s.emit('data', pending);
  }

  private detach(): void {
    const s = this.socket;
    this.out.detach(); // Node's own reading back on, our timer off
    s.removeListener('end', this.onEnd);
    s.removeListener('error', this.onError);
    s.removeListener('close', this.onClose);
    this.live.delete(this);
  }

  /**
   * The client half-closed. node:http (httpAllowHalfOpen false) then aborts the requests it has
   * not answered and ends the connection; so does the fast path, so both paths behave alike.
   */
  private clientEnded(): void {
    const x = this.exchange;
    this.exchange = undefined;
    this.pending = undefined;
    this.waitingForDrain = false;
    x?.clientClosed();
    this.socket.end();
  }

  private timedOut(): void {
    if (this.exchange) return; // the endpoint's own timeouts bound a request in flight
    if (!this.served && !this.pending) {
      // Nothing at all within headersTimeout: 408 and close, as node:http does.
      this.socket.end(REQUEST_TIMEOUT_408);
      return;
    }
    // An idle keep-alive connection, or a client that read nothing of its answers for that long
    // (node:http's keep-alive timer runs once an answer is written, read or not).
    this.socket.destroy();
  }

  private closed(): void {
    this.live.delete(this);
    const x = this.exchange;
    this.exchange = undefined;
    x?.clientClosed();
  }
}
