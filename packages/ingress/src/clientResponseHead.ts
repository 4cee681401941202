import { STATUS_CODES } from 'node:http';
import { SERVER_HEADER, errorBody, errorHeaders } from './errorResponses.js';

/**
 * Response heads written by the fast path straight to the client socket, byte for byte what
 * node:http's ServerResponse.writeHead would write for the same arguments: the given headers in
 * order, then `Date`, `Connection: keep-alive`, `Keep-Alive: timeout=N`, then
 * `Transfer-Encoding: chunked` when a body has no Content-Length.
 */

/**
 * node:http refuses a header value or reason phrase with a character outside tab, visible ASCII and
 * obs-text (checkInvalidHeaderChar). Tested once over the whole head: CR and LF may appear only as
 * the CRLF pairs that end its lines (the endpoint's lines were split at CRLF, so a pair cannot
 * hide inside a value).
 */
const INVALID_HEAD = /[^\t\x20-\x7e\x80-\xff\r\n]|\r(?!\n)|(?<!\r)\n/;

let dateLine = '';

/**
 * `Date: ...\r\n`, formatted at most once per second and dropped at the next second by an unref'd
 * timer, as node:http does (no clock read per response).
 */
export function dateHeaderLine(): string {
  if (dateLine === '') {
    const d = new Date();
    dateLine = `Date: ${d.toUTCString()}\r\n`;
    setTimeout(() => (dateLine = ''), 1000 - d.getMilliseconds()).unref();
  }
  return dateLine;
}

/** The connection lines node:http adds for a kept-alive connection with this keepAliveTimeout. */
export function keepAliveLines(keepAliveMs: number): string {
  const seconds = Math.floor(keepAliveMs / 1000);
  return keepAliveMs > 0 ? `Connection: keep-alive\r\nKeep-Alive: timeout=${seconds}\r\n` : 'Connection: keep-alive\r\n';
}

/** How the client-side body is framed. */
export const enum BodyFraming {
  /** No body may follow (HEAD, 204, 304). */
  None,
  /** The endpoint's Content-Length is passed on. */
  Length,
  /** The router frames it with chunked encoding. */
  Chunked,
}

export function hasContentLength(headers: readonly string[]): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    const n = headers[i]!;
    if (n.length === 14 && n.toLowerCase() === 'content-length') return true;
  }
  return false;
}

/**
 * The head of a proxied response, `Server` appended as the router's, or undefined when node:http
 * would refuse a header (the caller answers 502, as the http-server path does).
 */
export function proxiedResponseHead(status: number, reason: string, headers: readonly string[], framing: BodyFraming, connectionLines: string): string | undefined {
  let head = `HTTP/1.1 ${status} ${reason || STATUS_CODES[status] || 'unknown'}\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  if (INVALID_HEAD.test(head)) return undefined;
  head += `Server: ${SERVER_HEADER}\r\n${dateHeaderLine()}${connectionLines}`;
  return framing === BodyFraming.Chunked ? `${head}Transfer-Encoding: chunked\r\n\r\n` : `${head}\r\n`;
}

/** The router's own short answer (as sendError writes it), head and body. */
export function errorResponse(status: number, requestId: string | undefined, connectionLines: string): string {
  const body = errorBody(status);
  const headers = errorHeaders(body, requestId);
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${head}${dateHeaderLine()}${connectionLines}\r\n${body}`;
}
