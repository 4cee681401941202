import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Upstream } from './backends.js';
import { backendKey } from './backends.js';
import { SERVER_HEADER, sendError, sendRedirect } from './errorResponses.js';
import { forwardRequestHeaders, responseHeaders } from './forwardHeaders.js';
import { normaliseHost } from './hosts.js';
import { findTls, matchRequest } from './matcher.js';
import { BadPathError, normaliseRequestPath } from './paths.js';
import type { ProxyContext } from './proxyContext.js';
import { BodyTooLargeError, lazyBody } from './requestBody.js';
import { newRequestId } from './requestIds.js';
import { isConnectError, isTimeout } from './upstreamPools.js';

/** The Host header (or absolute-form authority) without building req.headers. */
export function requestHost(req: IncomingMessage): string | undefined {
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === 4 && (n === 'Host' || n === 'host' || n.toLowerCase() === 'host')) return raw[i + 1];
  }
  return undefined;
}

/** Where a request goes: the route's ready endpoints, or the router's own answer. */
export type Routed =
  | { kind: 'proxy'; backend: string; upstreams: readonly Upstream[]; forward: string; host: string | undefined; route: string }
  | { kind: 'answer'; status: number; reason: string }
  | { kind: 'redirect'; location: string };

/** Matching, shared by HTTP requests and WebSocket upgrades. */
export function routeRequest(ctx: ProxyContext, req: IncomingMessage, proto: 'http' | 'https'): Routed {
  let norm;
  try {
    norm = normaliseRequestPath(req.url ?? '/');
  } catch (e) {
    if (e instanceof BadPathError) return { kind: 'answer', status: 400, reason: e.message };
    throw e;
  }
  const host = requestHost(req);
  const table = ctx.view.table;
  const m = matchRequest(table, host, norm.path);
  if (proto === 'http' && ctx.httpsPort !== undefined && m.host !== table.catchAll) {
    const name = normaliseHost(host);
    if (findTls(table, name)) {
      const port = ctx.httpsPort === 443 ? '' : `:${ctx.httpsPort}`;
      return { kind: 'redirect', location: `https://${name}${port}${norm.forward}` };
    }
  }
  if (m.kind === 'none') return { kind: 'answer', status: 404, reason: 'no rule matches' };
  const ref = m.route.backend;
  if (!ref) return { kind: 'answer', status: 503, reason: `Ingress ${m.route.ingress}: backend is not a Service port` };
  const res = ctx.view.resolve(ref);
  if (res.kind === 'missing') return { kind: 'answer', status: 503, reason: res.reason };
  return { kind: 'proxy', backend: backendKey(ref), upstreams: res.upstreams, forward: norm.forward, host, route: `${m.route.ingress} ${m.route.match} ${m.route.path}` };
}

/** Content-Length and whether Transfer-Encoding frames a body, from rawHeaders. */
function bodyFraming(req: IncomingMessage): { length: number | undefined; chunked: boolean } {
  const raw = req.rawHeaders;
  let length: number | undefined;
  let chunked = false;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === 14 && n.toLowerCase() === 'content-length') length = Number(raw[i + 1]);
    else if (n.length === 17 && n.toLowerCase() === 'transfer-encoding') chunked = true;
  }
  return { length, chunked };
}

/**
 * One proxied exchange, as an undici dispatch handler (the callback API: no stream objects, raw
 * header arrays straight into writeHead). Connect failures retry on the next endpoint; once a
 * request may have reached an endpoint it is never sent again.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private abortUpstream: ((err?: Error) => void) | undefined;
  private tried: Set<string> | undefined;
  private attempts = 0;
  private upstream!: Upstream;
  private done = false;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly routed: Extract<Routed, { kind: 'proxy' }>,
    private readonly headers: string[],
    private readonly requestId: string,
    private readonly hasBody: boolean,
    private readonly started: number,
  ) {
    res.on('close', () => {
      if (!this.done) this.abortUpstream?.(new Error('client closed the connection'));
    });
  }

  send(): void {
    const u = this.ctx.pools.pick(this.routed.backend, this.routed.upstreams, this.tried);
    if (!u) {
      this.fail(502, 'every endpoint refused the connection');
      return;
    }
    this.upstream = u;
    this.attempts++;
    this.ctx.pools.pool(u).dispatch(
      {
        method: this.req.method ?? 'GET',
        path: this.routed.forward,
        headers: this.headers,
        // undici accepts any async iterable as a body; its typings list only Readable.
        body: this.hasBody ? (lazyBody(this.req, this.ctx.maxBodyBytes) as unknown as Readable) : null,
      },
      this,
    );
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abortUpstream = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true; // 1xx from the endpoint: Node answers Expect itself
    const res = this.res;
    res.writeHead(statusCode, statusText, responseHeaders(rawHeaders, SERVER_HEADER));
    res.on('drain', resume);
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.res.write(chunk);
  }

  onComplete(): void {
    this.done = true;
    this.res.end();
    this.ctx.metrics.observe(this.res.statusCode, (performance.now() - this.started) / 1000);
  }

  onError(err: Error): void {
    if (this.done) return;
    if (!this.res.headersSent && isConnectError(err) && this.attempts < this.ctx.maxAttempts && !this.res.destroyed) {
      (this.tried ??= new Set()).add(this.upstream.key);
      this.ctx.metrics.retry();
      this.ctx.logger?.warn({ endpoint: this.upstream.key, route: this.routed.route, err: err.message }, 'ingress: connect failed, retrying another endpoint');
      this.send();
      return;
    }
    if (err instanceof BodyTooLargeError) {
      this.fail(413, err.message);
      return;
    }
    const timeout = isTimeout(err);
    this.ctx.metrics.upstreamError(timeout ? 'timeout' : isConnectError(err) ? 'connect' : 'upstream');
    this.ctx.logger?.warn({ endpoint: this.upstream.key, route: this.routed.route, requestId: this.requestId, err: err.message }, 'ingress: upstream failed');
    this.fail(timeout ? 504 : 502, err.message);
  }

  private fail(status: number, reason: string): void {
    this.done = true;
    if (this.res.headersSent) {
      this.res.destroy();
      return;
    }
    if (this.ctx.logger && status === 502) this.ctx.logger.warn({ route: this.routed.route, requestId: this.requestId }, `ingress: ${reason}`);
    sendError(this.res, status, this.requestId);
    this.ctx.metrics.observe(status, (performance.now() - this.started) / 1000);
    // An unread request body would desynchronise the client connection: close it after answering.
    if (this.hasBody && !this.req.complete) this.res.shouldKeepAlive = false;
  }
}

/** The HTTP request handler: match, answer or proxy. Never throws. */
export function handleRequest(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, proto: 'http' | 'https', localPort: number): void {
  const started = performance.now();
  let routed: Routed;
  try {
    routed = routeRequest(ctx, req, proto);
  } catch (e) {
    ctx.logger?.warn({ url: req.url, err: (e as Error).message }, 'ingress: routing failed');
    routed = { kind: 'answer', status: 500, reason: (e as Error).message };
  }
  if (routed.kind !== 'proxy') {
    if (routed.kind === 'redirect') sendRedirect(res, routed.location);
    else sendError(res, routed.status, undefined);
    ctx.metrics.observe(routed.kind === 'redirect' ? 308 : routed.status, (performance.now() - started) / 1000);
    return;
  }
  const { length, chunked } = bodyFraming(req);
  if (length !== undefined && length > ctx.maxBodyBytes) {
    res.shouldKeepAlive = false;
    sendError(res, 413, undefined);
    ctx.metrics.observe(413, (performance.now() - started) / 1000);
    return;
  }
  const requestId = newRequestId();
  const fwd = forwardRequestHeaders(req.rawHeaders, {
    peer: req.socket.remoteAddress ?? '',
    proto,
    localPort,
    requestId,
    trusted: ctx.trusted,
  });
  // A body exists when framed by Content-Length > 0 or Transfer-Encoding (RFC 9112 6.3).
  const hasBody = chunked || (length !== undefined && length > 0);
  new Exchange(ctx, req, res, routed, fwd.headers, requestId, hasBody, started).send();
}
