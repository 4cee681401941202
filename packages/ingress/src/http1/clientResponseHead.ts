import { STATUS_CODES } from 'node:http';
import { SERVER_HEADER, errorBody, errorHeaders } from './errorResponses.js';
import { copyBytes, crlf, outputBuffer, writeLatin1 } from '../socket/outputBuffer.js';
import type { OutputWriter } from '../socket/outputBuffer.js';
import type { ResponseHead } from './responseHead.js';

/**
 * Response heads written by the fast path straight to the client socket, byte for byte what
 * node:http's ServerResponse.writeHead would write for the same arguments: the given headers in
 * order, then `Date`, `Connection: keep-alive`, `Keep-Alive: timeout=N`, then
 * `Transfer-Encoding: chunked` when a body has no Content-Length.
 */

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

const CHUNKED_LINE = 'Transfer-Encoding: chunked\r\n\r\n';
const CHUNKED_END = '0\r\n\r\n';
const tails = new Map<string, { date: string; bytes: Buffer }>();

/** `Server`, `Date` and the connection lines as bytes, rebuilt when the Date line turns. */
function tailBytes(connectionLines: string): Buffer {
  const date = dateHeaderLine();
  let t = tails.get(connectionLines);
  if (t === undefined || t.date !== date) {
    t = { date, bytes: Buffer.from(`Server: ${SERVER_HEADER}\r\n${date}${connectionLines}`, 'latin1') };
    tails.set(connectionLines, t);
  }
  return t.bytes;
}

/** What clientAnswer built: bytes [0, length) of buf (valid until the next call). */
export interface ClientAnswer {
  buf: Buffer;
  length: number;
}
const answer: ClientAnswer = { buf: Buffer.alloc(0), length: 0 };

/**
 * The client's answer to a proxied response, built as bytes in one buffer (outputBuffer.ts), byte
 * for byte what node:http's writeHead and end would send: the status line, the endpoint's passed-on
 * fields as `name: value` lines, `Server`, `Date`, the connection lines, `Transfer-Encoding: chunked`
 * when the router frames the body, then `body` (framed) when it came whole with the head.
 * Undefined when node:http would refuse a header value or the reason phrase (the caller answers
 * 502, as the http-server path does).
 */
export function clientAnswer(h: ResponseHead, framing: BodyFraming, connectionLines: string, body: Buffer | null, out: Pick<OutputWriter, 'holdsWrites'>): ClientAnswer | undefined {
  if (h.unsendable) return undefined;
  const src = h.buf;
  const f = h.fields;
  const reasonLength = h.reasonEnd - h.reasonStart;
  const reason = reasonLength > 0 ? '' : STATUS_CODES[h.status] || 'unknown';
  const tail = tailBytes(connectionLines);
  // "HTTP/1.1 NNN " is 13 bytes, then the reason and CRLF.
  let size = 15 + (reasonLength || reason.length) + tail.length + (framing === BodyFraming.Chunked ? CHUNKED_LINE.length : 2);
  for (let i = 0; i < h.count; i++) size += f[4 * i + 1]! - f[4 * i]! + f[4 * i + 3]! - f[4 * i + 2]! + 4;
  const n = body === null || framing === BodyFraming.None ? -1 : body.length;
  const hex = framing === BodyFraming.Chunked && n > 0 ? n.toString(16) : '';
  if (n >= 0) size += framing === BodyFraming.Chunked ? (n > 0 ? hex.length + n + 4 : 0) + CHUNKED_END.length : n;
  const target = outputBuffer(out, size);
  let at = writeLatin1('HTTP/1.1 ', target, 0);
  target[at++] = 48 + Math.floor(h.status / 100);
  target[at++] = 48 + (Math.floor(h.status / 10) % 10);
  target[at++] = 48 + (h.status % 10);
  target[at++] = 32;
  at = reasonLength > 0 ? copyBytes(src, h.reasonStart, h.reasonEnd, target, at) : writeLatin1(reason, target, at);
  at = crlf(target, at);
  for (let i = 0; i < h.count; i++) {
    at = copyBytes(src, f[4 * i]!, f[4 * i + 1]!, target, at);
    target[at++] = 58; // ':'
    target[at++] = 32;
    at = copyBytes(src, f[4 * i + 2]!, f[4 * i + 3]!, target, at);
    at = crlf(target, at);
  }
  at = copyBytes(tail, 0, tail.length, target, at);
  at = framing === BodyFraming.Chunked ? writeLatin1(CHUNKED_LINE, target, at) : crlf(target, at);
  if (n > 0) {
    if (framing === BodyFraming.Chunked) at = crlf(target, writeLatin1(hex, target, at));
    at = copyBytes(body!, 0, n, target, at);
    if (framing === BodyFraming.Chunked) at = crlf(target, at);
  }
  if (n >= 0 && framing === BodyFraming.Chunked) at = writeLatin1(CHUNKED_END, target, at);
  answer.buf = target;
  answer.length = at;
  return answer;
}

/** The router's own short answer (as sendError writes it), head and body. */
export function errorResponse(status: number, requestId: string | undefined, connectionLines: string): string {
  const body = errorBody(status);
  const headers = errorHeaders(body, requestId);
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${head}${dateHeaderLine()}${connectionLines}\r\n${body}`;
}
