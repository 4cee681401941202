import {
  formatCIDR,
  formatIP,
  invalid,
  isLinkLocalUnicast,
  isLoopback,
  isMulticast,
  isUnspecified,
  parseCIDR,
  parseIP,
  validateNonSpecialIP,
  type FieldError,
  type IP,
  ipFamily,
} from '@svcnet/model';
import type { IPFamily } from './types.js';

/**
 * Which addresses may become rule destinations or endpoints. The API server refuses unspecified,
 * loopback and link-local addresses for endpoints and externalIPs (ValidateNonSpecialIP) and parses
 * every LoadBalancer ingress IP; the proxy checks again, because a raw write into a shared store or
 * a mirrored object can carry anything, and one such address would hijack 169.254.169.254 or
 * 127.0.0.1 on every node.
 */
export interface AddressPolicy {
  /**
   * Accept loopback addresses (the userspace engine on one machine without root, in tests and
   * demos). Never for a node: a loopback endpoint reaches the node's localhost-only services.
   */
  readonly allowLoopback: boolean;
}

export const STRICT_ADDRESSES: AddressPolicy = { allowLoopback: false };

/** An address as it may go into a rule: canonical text (what iptables-save prints) and family. */
export interface RuleAddress {
  readonly ip: string;
  readonly family: IPFamily;
}

export type AddressProblemReason = 'invalid_address' | 'forbidden_address';

export interface AddressProblem {
  readonly reason: AddressProblemReason;
  readonly error: FieldError;
}

const MAPPED_PREFIX = 0xffffn;

/** Go treats IPv4-mapped IPv6 (`::ffff:10.0.0.1`) as IPv4; so do the rules (as ParseIPSloppy().To4()). */
function unmapped(ip: IP): IP {
  return ip.family === 'IPv6' && ip.value >> 32n === MAPPED_PREFIX ? { family: 'IPv4', value: ip.value & 0xffffffffn } : ip;
}

/**
 * Parses an address strictly (no spaces, no zone, no leading zeros) and refuses the special ones:
 * its canonical text (IPv6 when it holds a ':'), or undefined. The hot path of checkRuleAddress:
 * nothing is built for an address that passes (a dotted quad that parsed is already canonical).
 */
export function canonicalRuleAddress(value: unknown, policy: AddressPolicy): string | undefined {
  const parsed = typeof value === 'string' ? parseIP(value) : undefined;
  if (!parsed) return undefined;
  const ip = unmapped(parsed);
  if (isUnspecified(ip) || isLinkLocalUnicast(ip) || isMulticast(ip) || (!policy.allowLoopback && isLoopback(ip))) return undefined;
  return parsed === ip && ip.family === 'IPv4' ? (value as string) : formatIP(ip);
}

/** Why canonicalRuleAddress refused `value`, in apimachinery's words for `path`. */
export function addressProblem(value: unknown, path: string, policy: AddressPolicy): AddressProblem {
  if (typeof value !== 'string' || !parseIP(value)) return { reason: 'invalid_address', error: invalid(path, value, 'must be a valid IP address') };
  const worded = validateNonSpecialIP(path, value).find((e) => !policy.allowLoopback || !e.detail.includes('loopback'));
  return { reason: 'forbidden_address', error: worded ?? invalid(path, value, 'may not be a multicast address (224.0.0.0/4, ff00::/8)') };
}

/** canonicalRuleAddress with the family, or the problem worded for `path`. */
export function checkRuleAddress(value: unknown, path: string, policy: AddressPolicy): RuleAddress | AddressProblem {
  const ip = canonicalRuleAddress(value, policy);
  if (ip === undefined) return addressProblem(value, path, policy);
  return { ip, family: ipFamily(ip) === 'IPv6' ? 'IPv6' : 'IPv4' };
}

export function isAddressProblem(r: RuleAddress | AddressProblem): r is AddressProblem {
  return (r as AddressProblem).error !== undefined;
}

export interface RuleCIDR {
  readonly cidr: string;
  readonly family: IPFamily;
}

/**
 * A source range as the rules take it: trimmed (the API server and kube-proxy both trim
 * loadBalancerSourceRanges), parsed, and printed as its network (`10.0.0.1/8` -> `10.0.0.0/8`, as
 * upstream's net.IPNet.String()). Undefined when it is not a CIDR.
 */
export function parseRuleCIDR(value: unknown): RuleCIDR | undefined {
  const c = typeof value === 'string' ? parseCIDR(value.trim()) : undefined;
  return c && { cidr: formatCIDR(c), family: c.family };
}
