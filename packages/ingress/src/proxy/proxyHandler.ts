import type { IncomingMessage, ServerResponse } from 'node:http';
import { backendKey } from '../routes/backends.js';
import { SERVER_HEADER, sendError, sendRedirect } from '../http1/errorResponses.js';
import { forwardRequestHeaders, requestHead } from '../http1/forwardHeaders.js';
import { hostProblem, requestHost } from '../http1/hostHeader.js';
import { normaliseHost } from '../routes/hosts.js';
import { findTls, matchRequest } from '../routes/matcher.js';
import { BadPathError, normaliseRequestPath } from '../routes/paths.js';
import type { ProxyContext, Routed } from './proxyContext.js';
import type { Route } from '../routes/routeTypes.js';
import { BodyTooLargeError } from '../http1/requestBody.js';
import { newRequestId } from '../http1/requestIds.js';
import { UpstreamAttempt } from './upstreamAttempt.js';
import type { UpstreamConnection } from '../upstream/upstreamConnection.js';

const DUPLICATE_HOST: Routed = { kind: 'answer', status: 400, reason: 'more than one Host header', close: true };

/** Matching, shared by HTTP requests and WebSocket upgrades. */
export function routeRequest(ctx: ProxyContext, req: IncomingMessage, proto: 'http' | 'https'): Routed {
  const host = requestHost(req.rawHeaders);
  if (host === null) return DUPLICATE_HOST;
  return routeTarget(ctx, req.url ?? '/', host, proto);
}

/**
 * Matching from the request target and the request's one Host header (the fast path has no
 * IncomingMessage). A Host the router cannot route by (hostHeader.ts) is a 400 that closes.
 */
export function routeTarget(ctx: ProxyContext, url: string, host: string | undefined, proto: 'http' | 'https'): Routed {
  const bad = hostProblem(host, url);
  if (bad !== undefined) return { kind: 'answer', status: 400, reason: bad, close: true };
  let norm;
  try {
    norm = normaliseRequestPath(url);
  } catch (e) {
    if (e instanceof BadPathError) return { kind: 'answer', status: 400, reason: e.message };
    throw e;
  }
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
  if (res.kind === 'missing') return { kind: 'answer', status: 503, reason: res.reason, ...(res.detail ? { detail: res.detail } : {}) };
  return { kind: 'proxy', backend: backendKey(ref), upstreams: res.upstreams, forward: norm.forward, host, route: routeLabel(m.route) };
}

const labels = new WeakMap<Route, string>();

/** `ingress match path`, for logs; built once per compiled route. */
function routeLabel(r: Route): string {
  let l = labels.get(r);
  if (l === undefined) {
    l = `${r.ingress} ${r.match} ${r.path}`;
    labels.set(r, l);
  }
  return l;
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

const kExchange = Symbol('svcnet.exchange');
type Carrier = { [kExchange]?: Exchange };

// Listeners shared by every exchange (`this` is the emitter): no closures per request.
function onResponseClose(this: ServerResponse): void {
  (this as Carrier)[kExchange]?.clientClosed();
}
function onResponseDrain(this: ServerResponse): void {
  (this as Carrier)[kExchange]?.conn?.resume();
}
function onRequestData(this: IncomingMessage, chunk: Buffer): void {
  (this as Carrier)[kExchange]?.bodyData(chunk);
}
function onRequestEnd(this: IncomingMessage): void {
  (this as Carrier)[kExchange]?.bodyEnd();
}

const CHUNKED_END = '0\r\n\r\n';

const kClosing = Symbol('svcnet.closing');
type ClosingSocket = { [kClosing]?: true };

/**
 * This answer ends the connection. node:http has emitted, or will emit, every request it parsed
 * from the same read (pipelined ones); none of those is acted on, as nginx reads no request after
 * an answer that closes: a request behind a refused one never reaches an endpoint.
 */
function closeAfter(req: IncomingMessage, res: ServerResponse): void {
  res.shouldKeepAlive = false;
  (req.socket as ClosingSocket)[kClosing] = true;
}

/**
 * One proxied exchange over a pooled keep-alive connection (UpstreamConnection); the endpoint
 * choice, retries and 502/504 rules are UpstreamAttempt's. The request body is read only once a
 * connection is up, and its first chunk leaves with the head.
 */
class Exchange extends UpstreamAttempt {
  private headPending = true;
  private bodySeen = 0;

  constructor(
    ctx: ProxyContext,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    routed: Extract<Routed, { kind: 'proxy' }>,
    private readonly head: string,
    requestId: string,
    private readonly hasBody: boolean,
    private readonly chunked: boolean,
    started: number,
  ) {
    super(ctx, routed, requestId, started);
    (res as Carrier)[kExchange] = this;
    res.on('close', onResponseClose);
  }

  protected sendRequest(conn: UpstreamConnection): void {
    const headOnly = this.req.method === 'HEAD';
    if (!this.hasBody) {
      conn.send(this, this.head, headOnly, true);
      return;
    }
    // The head waits for the first body chunk so both leave in one write.
    conn.send(this, '', headOnly, false);
    const req = this.req;
    (req as Carrier)[kExchange] = this;
    req.on('data', onRequestData);
    req.on('end', onRequestEnd);
  }

  protected canRetry(): boolean {
    return !this.res.headersSent && !this.res.destroyed;
  }

  bodyData(chunk: Buffer): void {
    if (this.done) return;
    this.bodySeen += chunk.length;
    if (this.bodySeen > this.ctx.maxBodyBytes) {
      this.fail(413, new BodyTooLargeError(this.ctx.maxBodyBytes).message);
      return;
    }
    const conn = this.conn!;
    const parts: (string | Buffer)[] = [];
    if (this.headPending) {
      this.headPending = false;
      parts.push(this.head);
    }
    if (this.chunked) parts.push(`${chunk.length.toString(16)}\r\n`, chunk, '\r\n');
    else parts.push(chunk);
    if (!conn.writeAll(parts)) this.req.pause();
  }

  bodyEnd(): void {
    if (this.done) return;
    const conn = this.conn!;
    const parts: string[] = [];
    if (this.headPending) {
      this.headPending = false;
      parts.push(this.head);
    }
    if (this.chunked) parts.push(CHUNKED_END);
    if (parts.length) conn.writeAll(parts);
    conn.endRequest();
  }

  onDrain(): void {
    if (!this.done) this.req.resume();
  }

  onHead(status: number, reason: string, headers: string[], complete: Buffer | null): void {
    if (this.done) return;
    headers.push('Server', SERVER_HEADER);
    try {
      this.res.writeHead(status, reason || undefined, headers);
    } catch (e) {
      this.conn?.destroy();
      this.fail(502, `the endpoint's response head cannot be passed on: ${(e as Error).message}`);
      return;
    }
    if (complete) this.finish(complete);
  }

  onBody(chunk: Buffer): void {
    if (this.done) return;
    if (!this.res.write(chunk)) {
      this.conn!.pause();
      this.res.once('drain', onResponseDrain);
    }
  }

  onEnd(): void {
    if (!this.done) this.finish(undefined);
  }

  private finish(body: Buffer | undefined): void {
    this.done = true;
    if (body && body.length > 0) this.res.end(body);
    else this.res.end();
    this.observe(this.res.statusCode);
  }

  protected responseStarted(): boolean {
    return this.res.headersSent;
  }

  protected abortResponse(): void {
    this.res.destroy();
  }

  protected answerError(status: number): void {
    sendError(this.res, status, this.requestId);
    this.observe(status);
    // An unread request body would desynchronise the client connection: close it after answering.
    if (this.hasBody && !this.req.complete) closeAfter(this.req, this.res);
  }
}

/** The HTTP request handler: match, answer or proxy. Never throws. */
export function handleRequest(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, proto: 'http' | 'https', localPort: number): void {
  // Pipelined behind an answer that closes: its response would never be written (see closeAfter).
  if ((req.socket as ClosingSocket)[kClosing] === true) return;
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
    else {
      if (routed.close) closeAfter(req, res);
      sendError(res, routed.status, undefined, routed.detail);
    }
    ctx.metrics.observe(routed.kind === 'redirect' ? 308 : routed.status, (performance.now() - started) / 1000);
    return;
  }
  const { length, chunked } = bodyFraming(req);
  if (length !== undefined && length > ctx.maxBodyBytes) {
    closeAfter(req, res);
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
  const head = requestHead(req.method ?? 'GET', routed.forward, fwd.headers, chunked);
  new Exchange(ctx, req, res, routed, head, requestId, hasBody, chunked, started).send();
}
