import { type IP, parseIP } from './ip.js';
import { dottedQuadValue } from './parse.js';
import { cidrContains, parseCIDR, type CIDR } from './cidr.js';

// Address classes as Go's net.IP methods define them, used by validation (endpoint IPs must not be
// loopback, link-local or unspecified) and by the proxy (which addresses to skip).

const c = (s: string): CIDR => parseCIDR(s)!;
const V4_LOOPBACK = c('127.0.0.0/8');
const V4_LINK_LOCAL = c('169.254.0.0/16');
const V4_LINK_LOCAL_MCAST = c('224.0.0.0/24');
const V4_MCAST = c('224.0.0.0/4');
const V6_LINK_LOCAL = c('fe80::/10');
const V6_LINK_LOCAL_MCAST = c('ff02::/16');
const V6_MCAST = c('ff00::/8');
const V6_MAPPED = c('::ffff:0:0/96');

function addr(ip: IP | string): IP | undefined {
  const a = typeof ip === 'string' ? parseIP(ip) : ip;
  // Go treats IPv4-mapped IPv6 addresses as IPv4 for these checks.
  if (a && a.family === 'IPv6' && cidrContains(V6_MAPPED, a)) return { family: 'IPv4', value: a.value & 0xffffffffn };
  return a;
}

export function isUnspecified(ip: IP | string): boolean {
  const a = addr(ip);
  return !!a && a.value === 0n;
}

export function isLoopback(ip: IP | string): boolean {
  const a = addr(ip);
  if (!a) return false;
  return a.family === 'IPv4' ? cidrContains(V4_LOOPBACK, a) : a.value === 1n;
}

export function isLinkLocalUnicast(ip: IP | string): boolean {
  const a = addr(ip);
  if (!a) return false;
  return cidrContains(a.family === 'IPv4' ? V4_LINK_LOCAL : V6_LINK_LOCAL, a);
}

export function isLinkLocalMulticast(ip: IP | string): boolean {
  const a = addr(ip);
  if (!a) return false;
  return cidrContains(a.family === 'IPv4' ? V4_LINK_LOCAL_MCAST : V6_LINK_LOCAL_MCAST, a);
}

export function isMulticast(ip: IP | string): boolean {
  const a = addr(ip);
  if (!a) return false;
  return cidrContains(a.family === 'IPv4' ? V4_MCAST : V6_MCAST, a);
}

/** Link-local unicast or multicast (apimachinery's "may not be in the link-local range"). */
export function isLinkLocal(ip: IP | string): boolean {
  return isLinkLocalUnicast(ip) || isLinkLocalMulticast(ip);
}

/** The address ranges ValidateNonSpecialIP refuses for endpoints (what each means is in validateNonSpecialIP). */
export type SpecialIPRange = 'unspecified' | 'loopback' | 'link-local' | 'link-local multicast';

/**
 * The special range the address text `s` falls in, or undefined for an ordinary address and for
 * text that is not an address at all (callers check parsing apart). The same classes as the
 * functions above, IPv4-mapped IPv6 counted as IPv4; a dotted quad is classified on its number,
 * without a bigint, because endpoint writers check every address they publish.
 */
export function specialIPRange(s: string): SpecialIPRange | undefined {
  const v4 = dottedQuadValue(s);
  if (v4 >= 0) return specialIPv4Range(v4);
  const a = addr(s);
  if (!a) return undefined;
  if (a.family === 'IPv4') return specialIPv4Range(Number(a.value));
  if (a.value === 0n) return 'unspecified';
  if (a.value === 1n) return 'loopback';
  if (cidrContains(V6_LINK_LOCAL, a)) return 'link-local';
  if (cidrContains(V6_LINK_LOCAL_MCAST, a)) return 'link-local multicast';
  return undefined;
}

/** specialIPRange of an IPv4 address given as its number (dottedQuadValue's), for callers that parsed it already. */
export function specialIPv4Range(n: number): SpecialIPRange | undefined {
  if (n === 0) return 'unspecified';
  const first = n >>> 24;
  if (first === 127) return 'loopback';
  if (first === 169 && ((n >>> 16) & 255) === 254) return 'link-local';
  if (first === 224 && ((n >>> 8) & 0xffff) === 0) return 'link-local multicast';
  return undefined;
}
