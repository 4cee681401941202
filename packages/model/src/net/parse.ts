/**
 * Address text to value without regular expressions or intermediate strings: one pass over the
 * characters. As strict as Go's net.ParseIP since Go 1.17: dotted-quad IPv4 without leading zeros,
 * RFC 4291 IPv6 text (with an optional trailing dotted quad), no zone suffix, at most 45 characters.
 */
import type { IP } from './ip.js';

const DOT = 46;
const COLON = 58;
const MAX_TEXT = 45;

/** The value of the hex digit `c` (a char code), or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Whether `s` is exactly a dotted quad (four decimal parts 0-255, no leading zeros): net.isIPv4
 * without its regular expression and without building an IP, for hot paths that check many pod
 * addresses. A property test holds it equal to net.isIPv4.
 */
export function isDottedQuad(s: string): boolean {
  return dottedQuadValue(s) >= 0;
}

/** The dotted quad `s` as a number (0 .. 2^32-1), or -1 when it is not one (isDottedQuad's parse, without a bigint). */
export function dottedQuadValue(s: string): number {
  return s.length >= 7 && s.length <= 15 ? parseIPv4Number(s, 0, s.length) : -1;
}

/** The dotted quad s[start, end) as a number (0 .. 2^32-1), or -1 when it is not one. */
function parseIPv4Number(s: string, start: number, end: number): number {
  let value = 0;
  let i = start;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (i >= end || s.charCodeAt(i) !== DOT) return -1;
      i++;
    }
    const first = i;
    let n = 0;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      if (i - first === 3) return -1; // four digits
      n = n * 10 + (c - 48);
      i++;
    }
    const digits = i - first;
    if (digits === 0 || n > 255) return -1;
    if (digits > 1 && s.charCodeAt(first) === 48) return -1; // leading zero
    value = value * 256 + n;
  }
  return i === end ? value : -1;
}

/** The IPv6 text `s` as a bigint, or undefined when it is not one. */
function parseIPv6Value(s: string): bigint | undefined {
  const n = s.length;
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  let count = 0;
  let ellipsis = -1; // groups before the `::`
  let i = 0;
  if (s.charCodeAt(0) === COLON) {
    if (s.charCodeAt(1) !== COLON) return undefined;
    ellipsis = 0;
    i = 2;
  }
  while (i < n) {
    // One group: up to the next ':' or the end.
    let end = i;
    let dotted = false;
    let v = 0;
    while (end < n) {
      const c = s.charCodeAt(end);
      if (c === COLON) break;
      if (c === DOT) dotted = true;
      else if (!dotted) {
        const h = hexDigit(c);
        if (h < 0) {
          // Maybe still a dotted quad (checked below); anything else is not an address.
          if (c < 48 || c > 57) return undefined;
        } else v = v * 16 + h;
      }
      end++;
    }
    if (dotted) {
      // An embedded IPv4 address only as the very last part of the text.
      if (end !== n || count > 6) return undefined;
      const v4 = parseIPv4Number(s, i, end);
      if (v4 < 0) return undefined;
      groups[count++] = Math.floor(v4 / 65536);
      groups[count++] = v4 % 65536;
      i = end;
      break;
    }
    const len = end - i;
    if (len === 0 || len > 4 || count === 8) return undefined;
    groups[count++] = v;
    if (end === n) {
      i = end;
      break;
    }
    // s[end] is ':'
    if (s.charCodeAt(end + 1) === COLON) {
      if (ellipsis >= 0) return undefined;
      ellipsis = count;
      i = end + 2;
    } else {
      i = end + 1;
      if (i === n) return undefined; // a trailing single ':'
    }
  }
  if (ellipsis >= 0) {
    const missing = 8 - count;
    if (missing < 1) return undefined; // "::" must stand for at least one group
    for (let k = count - 1; k >= ellipsis; k--) groups[k + missing] = groups[k]!;
    for (let k = ellipsis; k < ellipsis + missing; k++) groups[k] = 0;
  } else if (count !== 8) return undefined;
  const w0 = BigInt(groups[0]! * 65536 + groups[1]!);
  const w1 = BigInt(groups[2]! * 65536 + groups[3]!);
  const w2 = BigInt(groups[4]! * 65536 + groups[5]!);
  const w3 = BigInt(groups[6]! * 65536 + groups[7]!);
  return (w0 << 96n) | (w1 << 64n) | (w2 << 32n) | w3;
}

/** Parses an IPv4 or IPv6 address; undefined when `s` is not one (zones, CIDRs, spaces included). */
export function parseIP(s: string): IP | undefined {
  if (typeof s !== 'string') return undefined;
  const n = s.length;
  if (n === 0 || n > MAX_TEXT) return undefined;
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) === COLON) {
      const value = parseIPv6Value(s);
      return value === undefined ? undefined : { family: 'IPv6', value };
    }
  }
  const v4 = parseIPv4Number(s, 0, n);
  return v4 < 0 ? undefined : { family: 'IPv4', value: BigInt(v4) };
}
