import type { Socket } from 'node:net';
import type { Upstream } from './backends.js';
import { BodyFraming, errorResponse, hasContentLength, proxiedResponseHead } from './clientResponseHead.js';
import type { ConnectionWaiter, EndpointPool } from './endpointPool.js';
import type { Routed } from './proxyHandler.js';
import type { ProxyContext } from './proxyContext.js';
import type { ExchangeHandler, UpstreamConnection } from './upstreamConnection.js';
import { isConnectError, isTimeout } from './upstreamPools.js';

/** What a fast exchange needs from the client connection it answers on. */
export interface FastClient {
  readonly socket: Socket;
  /** `Connection`/`Keep-Alive` lines for response heads. */
  readonly connectionLines: string;
  /** The exchange is over (answered or failed); the connection may parse its next request. */
  exchangeDone(): void;
}

/** Bodies up to this size leave with the head in one string write (a copy is cheaper than writev). */
const INLINE_BODY = 16 * 1024;
const CHUNKED_END = '0\r\n\r\n';

/**
 * One bodiless GET/HEAD proxied by the fast path: the same pool, retry and error rules as the
 * http-server path's Exchange (connect failures retry on another endpoint; nothing is sent twice;
 * 502/504 with the router's short body), but the response is written to the client socket directly.
 */
export class FastExchange implements ExchangeHandler, ConnectionWaiter {
  private conn: UpstreamConnection | undefined;
  private pool: EndpointPool | undefined;
  private tried: Set<string> | undefined;
  private attempts = 0;
  private upstream!: Upstream;
  private done = false;
  private headSent = false;
  private framing = BodyFraming.None;
  private status = 0;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly client: FastClient,
    private readonly routed: Extract<Routed, { kind: 'proxy' }>,
    private readonly head: string,
    private readonly headOnly: boolean,
    private readonly requestId: string,
    private readonly started: number,
  ) {}

  send(): void {
    const u = this.ctx.pools.pick(this.routed.backend, this.routed.upstreams, this.tried);
    if (!u) {
      this.fail(502, 'every endpoint refused the connection');
      return;
    }
    this.upstream = u;
    this.attempts++;
    this.pool = this.ctx.pools.pool(u);
    this.pool.acquire(this);
  }

  onConnection(conn: UpstreamConnection): void {
    if (this.done) {
      this.pool!.release(conn);
      return;
    }
    this.conn = conn;
    conn.send(this, this.head, this.headOnly, true);
  }

  onConnectFailed(err: Error): void {
    if (this.done) return;
    if (isConnectError(err) && this.attempts < this.ctx.maxAttempts && !this.client.socket.destroyed) {
      (this.tried ??= new Set()).add(this.upstream.key);
      this.ctx.metrics.retry();
      this.ctx.logger?.warn({ endpoint: this.upstream.key, route: this.routed.route, err: err.message }, 'ingress: connect failed, retrying another endpoint');
      this.send();
      return;
    }
    this.onError(err);
  }

  onHead(status: number, reason: string, headers: string[], complete: Buffer | null): void {
    if (this.done) return;
    const noBody = this.headOnly || status === 204 || status === 304;
    this.framing = noBody ? BodyFraming.None : hasContentLength(headers) ? BodyFraming.Length : BodyFraming.Chunked;
    const head = proxiedResponseHead(status, reason, headers, this.framing, this.client.connectionLines);
    if (head === undefined) {
      this.conn?.destroy();
      this.fail(502, "the endpoint's response head cannot be passed on: it holds a character HTTP does not allow");
      return;
    }
    this.status = status;
    this.headSent = true;
    const socket = this.client.socket;
    if (complete === null) {
      socket.write(head, 'latin1');
      return;
    }
    const n = complete.length;
    if (this.framing === BodyFraming.None || n === 0) socket.write(this.framing === BodyFraming.Chunked ? head + CHUNKED_END : head, 'latin1');
    else if (n <= INLINE_BODY) {
      const body = complete.toString('latin1');
      socket.write(this.framing === BodyFraming.Chunked ? `${head}${n.toString(16)}\r\n${body}\r\n${CHUNKED_END}` : head + body, 'latin1');
    } else {
      socket.cork();
      socket.write(this.framing === BodyFraming.Chunked ? `${head}${n.toString(16)}\r\n` : head, 'latin1');
      socket.write(complete);
      if (this.framing === BodyFraming.Chunked) socket.write(`\r\n${CHUNKED_END}`, 'latin1');
      socket.uncork();
    }
    this.finish();
  }

  onBody(chunk: Buffer): void {
    if (this.done || chunk.length === 0) return;
    const socket = this.client.socket;
    let ok: boolean;
    if (this.framing === BodyFraming.Chunked) {
      socket.cork();
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      ok = socket.write('\r\n', 'latin1');
      socket.uncork();
    } else ok = socket.write(chunk);
    // The client reads slower than the endpoint sends: stop reading upstream until 'drain'.
    if (!ok) this.conn!.pause();
  }

  /** The client socket drained. */
  clientDrained(): void {
    if (!this.done) this.conn?.resume();
  }

  onEnd(): void {
    if (this.done) return;
    if (this.framing === BodyFraming.Chunked) this.client.socket.write(CHUNKED_END, 'latin1');
    this.finish();
  }

  onDrain(): void {
    // No request body on the fast path.
  }

  onError(err: Error): void {
    if (this.done) return;
    const timeout = isTimeout(err);
    this.ctx.metrics.upstreamError(timeout ? 'timeout' : isConnectError(err) ? 'connect' : 'upstream');
    this.ctx.logger?.warn({ endpoint: this.upstream.key, route: this.routed.route, requestId: this.requestId, err: err.message }, 'ingress: upstream failed');
    this.fail(timeout ? 504 : 502, err.message);
  }

  /** The client went away: drop the upstream side too. */
  clientClosed(): void {
    if (this.done) return;
    this.done = true;
    if (this.conn) this.conn.destroy();
    else this.pool?.cancel(this);
  }

  private finish(): void {
    this.done = true;
    this.ctx.metrics.observe(this.status, (performance.now() - this.started) / 1000);
    this.client.exchangeDone();
  }

  private fail(status: number, reason: string): void {
    this.done = true;
    this.conn?.destroy();
    const socket = this.client.socket;
    if (this.headSent) {
      // Part of the response is out: the client can only learn of the failure by the close.
      socket.destroy();
      return;
    }
    if (this.ctx.logger && status === 502) this.ctx.logger.warn({ route: this.routed.route, requestId: this.requestId }, `ingress: ${reason}`);
    if (!socket.destroyed) socket.write(errorResponse(status, this.requestId, this.client.connectionLines), 'latin1');
    this.ctx.metrics.observe(status, (performance.now() - this.started) / 1000);
    this.client.exchangeDone();
  }
}
