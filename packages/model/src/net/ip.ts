/**
 * IP addresses as a family plus a bigint, so that range arithmetic is exact for IPv6. Parsing is as
 * strict as Go's net.ParseIP since Go 1.17: dotted-quad IPv4 without leading zeros, RFC 4291 IPv6
 * text (with an optional trailing dotted quad), no zone suffix (the parser is in parse.ts).
 */
import { parseIP } from './parse.js';

export type IPFamily = 'IPv4' | 'IPv6';

export interface IP {
  readonly family: IPFamily;
  readonly value: bigint;
}

export const IPV4_BITS = 32;
export const IPV6_BITS = 128;

export { parseIP } from './parse.js';

export function familyBits(family: IPFamily): number {
  return family === 'IPv4' ? IPV4_BITS : IPV6_BITS;
}

/** The family of an address text, or undefined when it is not an address (as netutils.IPFamilyOfString). */
export function ipFamily(s: string): IPFamily | undefined {
  return parseIP(s)?.family;
}

export const isIPv4 = (s: string): boolean => ipFamily(s) === 'IPv4';
export const isIPv6 = (s: string): boolean => ipFamily(s) === 'IPv6';

const WORD_SHIFTS = [96n, 64n, 32n, 0n];

function formatIPv4(v: bigint): string {
  const n = Number(v & 0xffffffffn);
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/**
 * Canonical text: dotted quad for IPv4, RFC 5952 for IPv6 (lower case, the longest run of two or
 * more zero groups shortened to `::`, the first on a tie). IPv4-mapped addresses print as
 * `::ffff:a.b.c.d`, so that format(parse(x)) round-trips.
 */
export function formatIP(ip: IP): string {
  if (ip.family === 'IPv4') return formatIPv4(ip.value);
  const v = ip.value;
  if (v >> 32n === 0xffffn) return `::ffff:${formatIPv4(v & 0xffffffffn)}`;
  // Four exact 32-bit words, then the groups, without a bigint operation per group.
  const groups: number[] = [];
  for (const shift of WORD_SHIFTS) {
    const w = Number((v >> shift) & 0xffffffffn);
    groups.push(w >>> 16, w & 0xffff);
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical form of an address text, or undefined when it is not one. */
export function canonicalIP(s: string): string | undefined {
  const ip = parseIP(s);
  return ip && formatIP(ip);
}

/** The address `n` after `ip` (negative steps back); undefined when that leaves the family's space. */
export function ipAdd(ip: IP, n: bigint | number): IP | undefined {
  const value = ip.value + BigInt(n);
  if (value < 0n || value >= 1n << BigInt(familyBits(ip.family))) return undefined;
  return { family: ip.family, value };
}

/** Orders addresses: IPv4 before IPv6, then numerically. */
export function compareIP(a: IP, b: IP): number {
  if (a.family !== b.family) return a.family === 'IPv4' ? -1 : 1;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}
