/**
 * The fast path's request-head parser as it was before it scanned bytes (regexes over a latin1
 * string), kept verbatim as the oracle the byte scanner and the upstream head builder are compared
 * with (test/requestHeadBytes.test.ts), and as the "before" figure of bench/request-path.ts.
 */

import { findHeadEnd } from '../src/http1/headEnd.js';

/** Node's default maxHeaderSize: a head this long without its end is handed over (Node answers 431). */
const MAX_FAST_HEAD = 16 * 1024;
/** More header lines than this are handed over too (bounds the work per head). */
const MAX_FAST_HEADERS = 100;

export interface LegacyRequestHead {
  method: 'GET' | 'HEAD';
  target: string;
  host: string;
  /** Flat [name, value, ...] as node:http's rawHeaders (values trimmed of OWS). */
  rawHeaders: string[];
  /** Offset just past the head's blank line. */
  end: number;
}

export type LegacyParseResult = LegacyRequestHead | 'incomplete' | 'unsupported';

// One anchored pass validates every header line: a token name, a colon, then tab or visible ASCII.
// The two classes are disjoint from ':' and '\r', so the match is linear.
const HEADER_BLOCK = /^(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e]*\r\n)*$/;
// An origin-form target: '/' then visible ASCII (no spaces, controls or obs-text).
const TARGET = /^\/[\x21-\x7e]*$/;

/** Parses the request head starting at `start` of `buf`. */
export function legacyParseRequestHead(buf: Buffer, start: number): LegacyParseResult {
  const found = findHeadEnd(buf, start);
  if (!found) return buf.length - start > MAX_FAST_HEAD ? 'unsupported' : 'incomplete';
  const blank = found.at - start;
  if (blank > MAX_FAST_HEAD) return 'unsupported';
  const text = found.text;
  const lineEnd = text.indexOf('\r\n');
  const line = text.slice(0, lineEnd);
  let method: 'GET' | 'HEAD';
  let rest: number;
  if (line.startsWith('GET ')) {
    method = 'GET';
    rest = 4;
  } else if (line.startsWith('HEAD ')) {
    method = 'HEAD';
    rest = 5;
  } else return 'unsupported';
  if (!line.endsWith(' HTTP/1.1')) return 'unsupported';
  const target = line.slice(rest, line.length - 9);
  if (!TARGET.test(target)) return 'unsupported';
  // Header lines, each with its CRLF (the head's final CRLF is the blank line's).
  const block = lineEnd === blank ? '' : text.slice(lineEnd + 2, blank + 2);
  if (!HEADER_BLOCK.test(block)) return 'unsupported';
  const rawHeaders: string[] = [];
  let host: string | undefined;
  let pos = 0;
  while (pos < block.length) {
    const eol = block.indexOf('\r\n', pos);
    const colon = block.indexOf(':', pos);
    const name = block.slice(pos, colon);
    const value = block.slice(colon + 1, eol).trim();
    pos = eol + 2;
    if (rawHeaders.length >= MAX_FAST_HEADERS * 2) return 'unsupported';
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === 'host') {
          if (host !== undefined) return 'unsupported';
          host = value;
        }
        break;
      case 6:
        if (name.toLowerCase() === 'expect') return 'unsupported';
        break;
      case 7:
        if (name.toLowerCase() === 'upgrade') return 'unsupported';
        break;
      case 10:
        // keep-alive (the default) or close; any other option list (hop-by-hop names) takes Node's path.
        if (name.toLowerCase() === 'connection' && !['keep-alive', 'close'].includes(value.toLowerCase())) return 'unsupported';
        break;
      case 14:
        if (name.toLowerCase() === 'content-length') return 'unsupported';
        break;
      case 16:
        if (name.toLowerCase() === 'proxy-connection') return 'unsupported';
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') return 'unsupported';
        break;
    }
    rawHeaders.push(name, value);
  }
  // HTTP/1.1 requires exactly one Host (Node answers 400 without one).
  if (host === undefined || host === '') return 'unsupported';
  return { method, target, host, rawHeaders, end: start + blank + 4 };
}
