import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { SERVER_HEADER } from '../http1/errorResponses.js';
import { forwardRequestHeaders } from '../http1/forwardHeaders.js';
import { routeRequest } from './proxyHandler.js';
import type { ProxyContext } from './proxyContext.js';
import { newRequestId } from '../http1/requestIds.js';
import { isConnectError } from '../upstream/upstreamPools.js';

function answer(socket: Duplex, status: number, extra = ''): void {
  const body = `${status} ${STATUS_CODES[status] ?? ''}\n`;
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nServer: ${SERVER_HEADER}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n${extra}Connection: close\r\n\r\n${body}`);
}

/**
 * An Upgrade request (WebSocket): routed like any request, then the router writes the request to an
 * endpoint over a fresh TCP connection and splices the two sockets; the endpoint's 101 (or refusal)
 * reaches the client unchanged. Connect failures retry on another endpoint.
 */
export function handleUpgrade(ctx: ProxyContext, req: IncomingMessage, socket: Duplex, head: Buffer, proto: 'http' | 'https', localPort: number): void {
  socket.on('error', () => socket.destroy());
  ctx.tunnels.trackClient(socket);
  const routed = routeRequest(ctx, req, proto);
  if (routed.kind === 'redirect') {
    answer(socket, 308, `Location: ${routed.location}\r\n`);
    return;
  }
  if (routed.kind === 'answer') {
    answer(socket, routed.status);
    ctx.metrics.observe(routed.status, 0);
    return;
  }
  const fwd = forwardRequestHeaders(req.rawHeaders, { peer: req.socket.remoteAddress ?? '', proto, localPort, requestId: newRequestId(), trusted: ctx.trusted }, true);
  let head1 = `${req.method} ${routed.forward} HTTP/1.1\r\n`;
  for (let i = 0; i < fwd.headers.length; i += 2) head1 += `${fwd.headers[i]}: ${fwd.headers[i + 1]}\r\n`;
  head1 += '\r\n';
  const tried = new Set<string>();
  const attempt = (): void => {
    const u = ctx.pools.pick(routed.backend, routed.upstreams, tried);
    if (!u || tried.size >= ctx.maxAttempts) {
      ctx.metrics.upstreamError('connect');
      answer(socket, 502);
      return;
    }
    tried.add(u.key);
    const up = connect({ host: u.address, port: u.port, allowHalfOpen: true });
    ctx.tunnels.trackUpstream(up);
    let connected = false;
    up.setNoDelay(true);
    up.once('connect', () => {
      connected = true;
      if (socket.destroyed) {
        up.destroy();
        return;
      }
      up.write(head1);
      if (head.length) up.write(head);
      ctx.tunnels.splice(socket, up);
      ctx.metrics.observe(101, 0);
    });
    up.on('error', (err) => {
      if (!connected && isConnectError(err) && !socket.destroyed) {
        ctx.metrics.retry();
        attempt();
        return;
      }
      if (!connected) answer(socket, 502);
      else socket.destroy();
    });
    socket.on('close', () => connected || up.destroy());
  };
  attempt();
}
