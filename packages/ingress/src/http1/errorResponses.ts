import { STATUS_CODES } from 'node:http';
import type { ServerResponse } from 'node:http';

export const SERVER_HEADER = 'svcnet-ingress';

const BODIES: Record<number, string> = {
  400: '400 Bad Request\n',
  404: '404 Not Found: no Ingress rule matches this host and path\n',
  413: '413 Request Entity Too Large\n',
  502: '502 Bad Gateway: the backend failed\n',
  503: '503 Service Unavailable: the backend Service has no ready endpoints\n',
  504: '504 Gateway Timeout: the backend did not answer in time\n',
};

/** The short plain-text body of the router's own answer with this status. */
export function errorBody(status: number, detail?: string): string {
  const text = BODIES[status] ?? `${status}\n`;
  return detail ? `${text}${detail}\n` : text;
}

/**
 * The headers of the router's own short answer with this body, in order, as flat [name, value, ...]:
 * the one list both sendError (node:http) and the fast path's errorResponse write.
 */
export function errorHeaders(body: string, requestId: string | undefined): string[] {
  const headers = ['server', SERVER_HEADER, 'content-type', 'text/plain; charset=utf-8', 'content-length', String(Buffer.byteLength(body))];
  if (requestId) headers.push('x-request-id', requestId);
  return headers;
}

/** A short plain-text answer from the router itself, with its Server header. Keeps the connection. */
export function sendError(res: ServerResponse, status: number, requestId: string | undefined, detail?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(status, detail);
  const list = errorHeaders(body, requestId);
  const headers: Record<string, string> = {};
  for (let i = 0; i < list.length; i += 2) headers[list[i]!] = list[i + 1]!;
  // The reason phrase is set explicitly: a writeHead that threw on an endpoint's head leaves its
  // phrase behind (a 502 would go out as "502 OK").
  res.writeHead(status, STATUS_CODES[status] ?? 'unknown', headers);
  res.end(body);
}

export function sendRedirect(res: ServerResponse, location: string): void {
  const body = `308 Permanent Redirect: ${location}\n`;
  res.writeHead(308, { server: SERVER_HEADER, location, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
