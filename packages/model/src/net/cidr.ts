import { type IP, type IPFamily, familyBits, formatIP, parseIP } from './ip.js';

/** A network prefix. `base` is the network address (host bits cleared); `size` counts all addresses. */
export interface CIDR {
  readonly family: IPFamily;
  readonly base: bigint;
  readonly prefix: number;
  readonly size: bigint;
}

const PREFIX = /^(0|[1-9]\d{0,2})$/;

/**
 * Parses `addr/prefix` (as Go's net.ParseCIDR: host bits may be set and are masked off); undefined when
 * `s` is not a CIDR. Use {@link parseCIDRStrict} where host bits must be zero.
 */
export function parseCIDR(s: string): CIDR | undefined {
  if (typeof s !== 'string') return undefined;
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const p = s.slice(slash + 1);
  if (!ip || !PREFIX.test(p)) return undefined;
  const prefix = Number(p);
  const bits = familyBits(ip.family);
  if (prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  const base = (ip.value >> hostBits) << hostBits;
  return { family: ip.family, base, prefix, size: 1n << hostBits };
}

/** As parseCIDR, but rejects a CIDR whose address has host bits set (`10.0.0.1/24`). */
export function parseCIDRStrict(s: string): CIDR | undefined {
  const c = parseCIDR(s);
  if (!c) return undefined;
  return parseIP(s.slice(0, s.indexOf('/')))!.value === c.base ? c : undefined;
}

export function formatCIDR(c: CIDR): string {
  return `${formatIP({ family: c.family, value: c.base })}/${c.prefix}`;
}

function toIP(ip: IP | string): IP | undefined {
  return typeof ip === 'string' ? parseIP(ip) : ip;
}

function toCIDR(c: CIDR | string): CIDR | undefined {
  return typeof c === 'string' ? parseCIDR(c) : c;
}

/** True when `ip` lies in `cidr` (same family, same prefix bits); false for unparsable input. */
export function cidrContains(cidr: CIDR | string, ip: IP | string): boolean {
  const c = toCIDR(cidr);
  const a = toIP(ip);
  if (!c || !a || c.family !== a.family) return false;
  return a.value >= c.base && a.value < c.base + c.size;
}

/** The address at `offset` from the network address, or undefined past the end. */
export function cidrAddress(cidr: CIDR, offset: bigint | number): IP | undefined {
  const o = BigInt(offset);
  if (o < 0n || o >= cidr.size) return undefined;
  return { family: cidr.family, value: cidr.base + o };
}

/** The offset of `ip` in `cidr`, or undefined when it is outside. */
export function cidrOffset(cidr: CIDR, ip: IP): bigint | undefined {
  if (!cidrContains(cidr, ip)) return undefined;
  return ip.value - cidr.base;
}

/** True when the two prefixes share any address. */
export function cidrsOverlap(a: CIDR, b: CIDR): boolean {
  if (a.family !== b.family) return false;
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** An inclusive address range `first-last`, as MetalLB pools write them. */
export interface IPRange {
  readonly family: IPFamily;
  readonly first: bigint;
  readonly last: bigint;
}

/** Parses `a-b` (inclusive, same family, a <= b) or a CIDR into a range; undefined otherwise. */
export function parseIPRange(s: string): IPRange | undefined {
  if (typeof s !== 'string') return undefined;
  const text = s.trim();
  if (text.includes('/')) {
    const c = parseCIDR(text);
    return c && { family: c.family, first: c.base, last: c.base + c.size - 1n };
  }
  const dash = text.indexOf('-');
  if (dash < 0) {
    const ip = parseIP(text);
    return ip && { family: ip.family, first: ip.value, last: ip.value };
  }
  const a = parseIP(text.slice(0, dash).trim());
  const b = parseIP(text.slice(dash + 1).trim());
  if (!a || !b || a.family !== b.family || a.value > b.value) return undefined;
  return { family: a.family, first: a.value, last: b.value };
}
