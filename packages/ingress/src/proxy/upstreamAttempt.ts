import type { Upstream } from '../routes/backends.js';
import type { ConnectionWaiter, EndpointPool } from '../upstream/endpointPool.js';
import type { Routed } from './proxyContext.js';
import type { ProxyContext } from './proxyContext.js';
import type { ExchangeHandler, UpstreamConnection } from '../upstream/upstreamConnection.js';
import { isConnectError, isTimeout } from '../upstream/upstreamPools.js';

/**
 * The upstream side of one proxied exchange, shared by the http-server path and the fast path:
 * pick an endpoint from the route's pool and connect; a connect failure retries on another endpoint
 * (nothing was sent); once the request may have reached an endpoint it is never sent again. Timeouts
 * answer 504, every other upstream failure 502, or a close when part of the response is out.
 * Subclasses send the request and write the response to their kind of client.
 */
export abstract class UpstreamAttempt implements ExchangeHandler, ConnectionWaiter {
  /** The connection the request went out on, once one is up. */
  conn: UpstreamConnection | undefined;
  private pool: EndpointPool | undefined;
  private tried: Set<string> | undefined;
  private attempts = 0;
  private upstream!: Upstream;
  protected done = false;

  constructor(
    protected readonly ctx: ProxyContext,
    protected readonly routed: Extract<Routed, { kind: 'proxy' }>,
    protected readonly requestId: string,
    private readonly started: number,
  ) {}

  /** Sends the request on a fresh connection (the attempt owns `conn` from here on). */
  protected abstract sendRequest(conn: UpstreamConnection): void;
  /** Whether a retried answer can still reach the client. */
  protected abstract canRetry(): boolean;
  /** Whether part of the response has left for the client already. */
  protected abstract responseStarted(): boolean;
  /** Closes the client side: the only way to tell it of a failure after the head went out. */
  protected abstract abortResponse(): void;
  /** Writes the router's error answer (and records it). */
  protected abstract answerError(status: number): void;

  abstract onBody(chunk: Buffer): void;
  abstract onEnd(): void;
  abstract onDrain(): void;

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
    this.sendRequest(conn);
  }

  onConnectFailed(err: Error): void {
    if (this.done) return;
    if (isConnectError(err) && this.attempts < this.ctx.maxAttempts && this.canRetry()) {
      (this.tried ??= new Set()).add(this.upstream.key);
      this.ctx.metrics.retry();
      this.ctx.logger?.warn({ endpoint: this.upstream.key, route: this.routed.route, err: err.message }, 'ingress: connect failed, retrying another endpoint');
      this.send();
      return;
    }
    this.onError(err);
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

  /** Counts an answered exchange in the status histogram. */
  protected observe(status: number): void {
    this.ctx.metrics.observe(status, (performance.now() - this.started) / 1000);
  }

  protected fail(status: number, reason: string): void {
    this.done = true;
    this.conn?.destroy();
    if (this.responseStarted()) {
      this.abortResponse();
      return;
    }
    if (this.ctx.logger && status === 502) this.ctx.logger.warn({ route: this.routed.route, requestId: this.requestId }, `ingress: ${reason}`);
    this.answerError(status);
  }
}
