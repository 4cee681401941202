/**
 * A deliberately narrow HTTP/1.1 request-head parser for the plain-HTTP fast path (fastConnection.ts).
 * It accepts only the simplest, most common request: `GET` or `HEAD`, an origin-form target,
 * `HTTP/1.1`, CRLF line ends, token header names, visible-ASCII values, exactly one Host, and no
 * body framing, Upgrade, Expect or Connection option other than keep-alive or close. Everything else is
 * `unsupported` and goes, bytes untouched, to Node's http server, which then answers exactly as it
 * always did (400 for malformed heads, 431 for huge ones, bodies, upgrades, HTTP/1.0, ...).
 * The parser never has to reject anything itself: saying "not mine" is always safe.
 *
 * The head is scanned as bytes, once, with character-class tables: no string is made here. The scan
 * records where the target and Host value are and which header lines the upstream head cannot copy
 * as they are (upstreamRequestHead.ts builds that head from these offsets).
 */

import { findHeadEnd } from './headEnd.js';

/** Node's default maxHeaderSize: a head this long without its end is handed over (Node answers 431). */
export const MAX_FAST_HEAD = 16 * 1024;
/** More header lines than this are handed over too (bounds the work per head). */
const MAX_FAST_HEADERS = 100;

/** 1 for the bytes of a token (RFC 9110 5.6.2 tchar): header names. */
const TCHAR = new Uint8Array(256);
for (const ch of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[ch.charCodeAt(0)] = 1;
// Target bytes (visible ASCII, 0x21-0x7e) and field-value bytes (HTAB, SP and visible ASCII; no
// obs-text) are tested as ranges, `(c - low) >>> 0 < count`: measured faster than a table here.

/**
 * What the upstream head does with a header line it cannot copy byte for byte. Lines not listed
 * are already `Name: value\r\n` as node:http's path writes them, and are copied as they are.
 */
export const LineEdit = {
  /** Kept, but its whitespace differs from `Name: value`: written again from name and trimmed value. */
  Rewrite: 0,
  /** A hop-by-hop header (Connection: keep-alive, Keep-Alive, TE, Trailer) or X-Real-IP: dropped. */
  Drop: 1,
  /** Dropped here, their values feed the router's own X-Forwarded-* and X-Request-ID lines. */
  ForwardedFor: 2,
  ForwardedHost: 3,
  ForwardedPort: 4,
  ForwardedProto: 5,
  RequestId: 6,
} as const;

/** Per edited line in RequestHeadScan.edits: kind, line start, colon, value start and end (trimmed), line end. */
export const EDIT_FIELDS = 6;

/** A request head the fast path takes, as offsets into the client's buffer. */
export interface RequestHeadScan {
  readonly buf: Buffer;
  readonly start: number;
  readonly method: 'GET' | 'HEAD';
  readonly targetStart: number;
  readonly targetEnd: number;
  /** The Host value, trimmed of OWS (never empty). */
  readonly hostStart: number;
  readonly hostEnd: number;
  /** The first header line; the request line is [start, headersStart). */
  readonly headersStart: number;
  /** The blank line ending the head. */
  readonly headersEnd: number;
  /** Offset just past the head's blank line. */
  readonly end: number;
  /** EDIT_FIELDS numbers per line the upstream head cannot copy as is, in order; undefined if none. */
  readonly edits: number[] | undefined;
  /** `Connection: close`: the connection ends after this request's answer (as node:http ends it). */
  readonly close: boolean;
}

export type ScanResult = RequestHeadScan | 'incomplete' | 'unsupported';

// Lower-case names recognised by length and bytes (ASCII letters and '-': `byte | 0x20` lower-cases
// a letter and maps no other tchar onto a letter or '-').
const name = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const N_TE = name('te');
const N_HOST = name('host');
const N_EXPECT = name('expect');
const N_UPGRADE = name('upgrade');
const N_TRAILER = name('trailer');
const N_REAL_IP = name('x-real-ip');
const N_CONNECTION = name('connection');
const N_KEEP_ALIVE = name('keep-alive');
const N_CLOSE = name('close');
const N_REQUEST_ID = name('x-request-id');
const N_CONTENT_LENGTH = name('content-length');
const N_FORWARDED_FOR = name('x-forwarded-for');
const N_PROXY_CONNECTION = name('proxy-connection');
const N_FORWARDED_HOST = name('x-forwarded-host');
const N_FORWARDED_PORT = name('x-forwarded-port');
const N_TRANSFER_ENCODING = name('transfer-encoding');
const N_FORWARDED_PROTO = name('x-forwarded-proto');
const HTTP11_CRLF = name(' HTTP/1.1\r\n');

function lowerIs(buf: Buffer, at: number, lower: Uint8Array): boolean {
  for (let i = 0; i < lower.length; i++) if ((buf[at + i]! | 0x20) !== lower[i]) return false;
  return true;
}

/**
 * 1 at [length * 32 + (first byte & 31)] for the names lineKind recognises (the lower five bits of
 * a letter are the same in both cases): most header lines are told apart from them by one load.
 */
const KNOWN = new Uint8Array(18 * 32);
for (const n of [N_TE, N_EXPECT, N_UPGRADE, N_TRAILER, N_REAL_IP, N_CONNECTION, N_KEEP_ALIVE, N_REQUEST_ID, N_CONTENT_LENGTH, N_FORWARDED_FOR, N_PROXY_CONNECTION, N_FORWARDED_HOST, N_FORWARDED_PORT, N_TRANSFER_ENCODING, N_FORWARDED_PROTO]) {
  KNOWN[n.length * 32 + (n[0]! & 31)] = 1;
}

/** A line the fast path does not take (Host twice, a body, an upgrade, a Connection option list, ...). */
const REFUSE = -2;
/** `Connection: close`: dropped from the upstream head, and the client connection ends after the answer. */
const CLOSE = -3;
/** A kept line. */
const KEEP = -1;

/** What to do with a header line, by its name [at, at + length) and trimmed value [vs, ve). */
function lineKind(buf: Buffer, at: number, length: number, vs: number, ve: number): number {
  switch (length) {
    case 2:
      return lowerIs(buf, at, N_TE) ? LineEdit.Drop : KEEP;
    case 6:
      return lowerIs(buf, at, N_EXPECT) ? REFUSE : KEEP;
    case 7:
      if (lowerIs(buf, at, N_UPGRADE)) return REFUSE;
      return lowerIs(buf, at, N_TRAILER) ? LineEdit.Drop : KEEP;
    case 9:
      return lowerIs(buf, at, N_REAL_IP) ? LineEdit.Drop : KEEP;
    case 10:
      // keep-alive (the default) or close; any other option list (hop-by-hop names) takes Node's path.
      if (lowerIs(buf, at, N_CONNECTION)) {
        if (ve - vs === 10 && lowerIs(buf, vs, N_KEEP_ALIVE)) return LineEdit.Drop;
        return ve - vs === 5 && lowerIs(buf, vs, N_CLOSE) ? CLOSE : REFUSE;
      }
      return lowerIs(buf, at, N_KEEP_ALIVE) ? LineEdit.Drop : KEEP;
    case 12:
      return lowerIs(buf, at, N_REQUEST_ID) ? LineEdit.RequestId : KEEP;
    case 14:
      return lowerIs(buf, at, N_CONTENT_LENGTH) ? REFUSE : KEEP;
    case 15:
      return lowerIs(buf, at, N_FORWARDED_FOR) ? LineEdit.ForwardedFor : KEEP;
    case 16:
      if (lowerIs(buf, at, N_PROXY_CONNECTION)) return REFUSE;
      if (lowerIs(buf, at, N_FORWARDED_HOST)) return LineEdit.ForwardedHost;
      return lowerIs(buf, at, N_FORWARDED_PORT) ? LineEdit.ForwardedPort : KEEP;
    case 17:
      if (lowerIs(buf, at, N_TRANSFER_ENCODING)) return REFUSE;
      return lowerIs(buf, at, N_FORWARDED_PROTO) ? LineEdit.ForwardedProto : KEEP;
    default:
      return KEEP;
  }
}

/**
 * Whether the head at `start` is incomplete or not the fast path's: what the fast path answers for
 * any head it did not take (node:http then answers it).
 */
function notTaken(buf: Buffer, start: number): 'incomplete' | 'unsupported' {
  if (findHeadEnd(buf, start)) return 'unsupported';
  return buf.length - start > MAX_FAST_HEAD ? 'unsupported' : 'incomplete';
}

/** Scans the request head starting at `start` of `buf`. */
export function scanRequestHead(buf: Buffer, start: number): ScanResult {
  // Every read below is at an offset < limit: a head the fast path takes ends before it.
  const limit = Math.min(buf.length, start + MAX_FAST_HEAD + 4);
  let p = start;
  let method: 'GET' | 'HEAD';
  if (limit - p > 5 && buf[p] === 71 && buf[p + 1] === 69 && buf[p + 2] === 84 && buf[p + 3] === 32) {
    method = 'GET';
    p += 4;
  } else if (limit - p > 6 && buf[p] === 72 && buf[p + 1] === 69 && buf[p + 2] === 65 && buf[p + 3] === 68 && buf[p + 4] === 32) {
    method = 'HEAD';
    p += 5;
  } else return notTaken(buf, start);
  const targetStart = p;
  if (buf[p] !== 47 /* / */) return notTaken(buf, start);
  p++;
  while (p < limit && (buf[p]! - 0x21) >>> 0 < 0x5e) p++;
  const targetEnd = p;
  if (limit - p < HTTP11_CRLF.length) return notTaken(buf, start);
  for (let i = 0; i < HTTP11_CRLF.length; i++) if (buf[p + i] !== HTTP11_CRLF[i]) return notTaken(buf, start);
  p += HTTP11_CRLF.length;
  const headersStart = p;
  let hostStart = -1;
  let hostEnd = -1;
  let count = 0;
  let edits: number[] | undefined;
  let close = false;
  for (;;) {
    if (p >= limit) return notTaken(buf, start);
    const lineStart = p;
    if (buf[p] === 13) {
      if (p + 1 >= limit || buf[p + 1] !== 10) return notTaken(buf, start);
      break;
    }
    while (p < limit && TCHAR[buf[p]!] === 1) p++;
    const colon = p;
    if (colon === lineStart || p >= limit || buf[p] !== 58 /* : */) return notTaken(buf, start);
    p++;
    while (p < limit && (buf[p] === 32 || buf[p] === 9)) p++;
    const vs = p;
    for (let c = 0; p < limit && ((c = buf[p]!) - 0x20 >>> 0 < 0x5f || c === 9); ) p++;
    if (p + 1 >= limit || buf[p] !== 13 || buf[p + 1] !== 10) return notTaken(buf, start);
    const cr = p;
    let ve = cr;
    while (ve > vs && (buf[ve - 1] === 32 || buf[ve - 1] === 9)) ve--;
    p += 2;
    if (++count > MAX_FAST_HEADERS) return notTaken(buf, start);
    const length = colon - lineStart;
    let kind: number;
    if (length === 4 && lowerIs(buf, lineStart, N_HOST)) {
      // A second Host: node:http's path answers it 400 (hostHeader.ts). The route cache keys on
      // the one Host this head carries, so a head is never routed by one of two.
      if (hostStart >= 0) return notTaken(buf, start);
      hostStart = vs;
      hostEnd = ve;
      kind = KEEP;
    } else kind = length < 18 && KNOWN[length * 32 + (buf[lineStart]! & 31)] === 1 ? lineKind(buf, lineStart, length, vs, ve) : KEEP;
    if (kind === REFUSE) return notTaken(buf, start);
    if (kind === CLOSE) {
      // As llhttp: close among several Connection lines wins over keep-alive.
      close = true;
      kind = LineEdit.Drop;
    }
    // node:http's path writes `${name}: ${trimmedValue}\r\n`: a line already in that form is copied.
    if (kind === KEEP && (buf[colon + 1] !== 32 || vs !== colon + 2 || ve !== cr)) kind = LineEdit.Rewrite;
    if (kind !== KEEP) (edits ??= []).push(kind, lineStart, colon, vs, ve, p);
  }
  // HTTP/1.1 requires exactly one Host (Node answers 400 without one).
  if (hostEnd <= hostStart) return notTaken(buf, start);
  if (p - 2 - start > MAX_FAST_HEAD) return 'unsupported';
  return { buf, start, method, targetStart, targetEnd, hostStart, hostEnd, headersStart, headersEnd: p, end: p + 2, edits, close };
}

/** The parsed head as strings (tests, benchmarks and tools; the fast path uses the scan's offsets). */
export interface FastRequestHead {
  method: 'GET' | 'HEAD';
  target: string;
  host: string;
  /** Flat [name, value, ...] as node:http's rawHeaders (values trimmed of OWS). */
  rawHeaders: string[];
  /** Offset just past the head's blank line. */
  end: number;
}

export type ParseResult = FastRequestHead | 'incomplete' | 'unsupported';

/** Parses the request head starting at `start` of `buf` into strings. */
export function parseRequestHead(buf: Buffer, start: number): ParseResult {
  const scan = scanRequestHead(buf, start);
  if (typeof scan === 'string') return scan;
  const rawHeaders: string[] = [];
  let p = scan.headersStart;
  while (p < scan.headersEnd) {
    const eol = buf.indexOf(13, p);
    const colon = buf.indexOf(58, p);
    rawHeaders.push(buf.toString('latin1', p, colon), buf.toString('latin1', colon + 1, eol).trim());
    p = eol + 2;
  }
  return {
    method: scan.method,
    target: buf.toString('latin1', scan.targetStart, scan.targetEnd),
    host: buf.toString('latin1', scan.hostStart, scan.hostEnd),
    rawHeaders,
    end: scan.end,
  };
}
