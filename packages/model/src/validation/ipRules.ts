// IP and CIDR field rules as apimachinery's ip.go and core validation's ValidateNonSpecialIP word them.
// Parsing comes from ../net (Go's strict net.ParseIP; upstream's ParseIPSloppy also accepts leading
// zeros in IPv4 octets, which svcnet rejects: such addresses are ambiguous and deprecated upstream).
import { invalid, type FieldError, type FieldPath } from '../fieldErrors.js';
import { specialIPv4Range } from '../net/classify.js';
import { dottedQuadValue } from '../net/parse.js';
import {
  isLinkLocalMulticast,
  isLinkLocalUnicast,
  isLoopback,
  isUnspecified,
  parseCIDR,
  parseIP,
  specialIPRange,
  type IPFamily,
} from '../net/index.js';

type P = FieldPath | string;

/**
 * The family Go's net.IP assigns: IPv4-mapped IPv6 (`::ffff:1.2.3.4`) counts as IPv4, as
 * netutils.IsIPv6String does. Undefined when `s` is not an address.
 */
export function goIPFamily(s: unknown): IPFamily | undefined {
  if (typeof s !== 'string') return undefined;
  const ip = parseIP(s);
  if (!ip) return undefined;
  if (ip.family === 'IPv6' && ip.value >> 32n === 0xffffn) return 'IPv4';
  return ip.family;
}

export function isValidIP(path: P, value: unknown): FieldError[] {
  return goIPFamily(value) ? [] : [invalid(path, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

export function isValidIPv4Address(path: P, value: unknown): FieldError[] {
  return goIPFamily(value) === 'IPv4' ? [] : [invalid(path, value, 'must be a valid IPv4 address')];
}

export function isValidIPv6Address(path: P, value: unknown): FieldError[] {
  return goIPFamily(value) === 'IPv6' ? [] : [invalid(path, value, 'must be a valid IPv6 address')];
}

export function isValidCIDR(path: P, value: unknown): FieldError[] {
  return typeof value === 'string' && parseCIDR(value)
    ? []
    : [invalid(path, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')];
}

/**
 * ValidateNonSpecialIP: endpoint addresses and externalIPs may not be unspecified, loopback or
 * link-local (those mean "this node", and the link-local range hosts metadata services).
 */
export function validateNonSpecialIP(path: P, value: unknown): FieldError[] {
  const ip = typeof value === 'string' ? parseIP(value) : undefined;
  if (!ip) return [invalid(path, value, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  if (isUnspecified(ip)) errs.push(invalid(path, value, `may not be unspecified (${value as string})`));
  if (isLoopback(ip)) errs.push(invalid(path, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (isLinkLocalUnicast(ip)) errs.push(invalid(path, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (isLinkLocalMulticast(ip)) {
    errs.push(invalid(path, value, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  }
  return errs;
}

/**
 * True when `value` is an address of Go family `family` that validateNonSpecialIP accepts: the
 * checks above without a field path (callers build one only to report an error). A dotted quad
 * is decided on its number, without a bigint: writers check every endpoint address with this.
 */
export function isOrdinaryIPOfFamily(value: unknown, family: IPFamily): boolean {
  if (typeof value !== 'string') return false;
  const v4 = dottedQuadValue(value);
  if (v4 >= 0) return family === 'IPv4' && specialIPv4Range(v4) === undefined;
  return goIPFamily(value) === family && specialIPRange(value) === undefined;
}

/** netutils.IsDualStackIPStrings: at least one address of each family. */
export function isDualStack(ips: readonly unknown[]): boolean {
  const families = new Set(ips.map(goIPFamily));
  return families.has('IPv4') && families.has('IPv6');
}

/** netutils.IsDualStackCIDRStrings. */
export function isDualStackCIDRs(cidrs: readonly string[]): boolean {
  const families = new Set(cidrs.map((c) => parseCIDR(c)?.family));
  return families.has('IPv4') && families.has('IPv6');
}
