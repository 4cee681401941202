export { IPV4_BITS, IPV6_BITS, canonicalIP, compareIP, familyBits, formatIP, ipAdd, ipFamily, isIPv4, isIPv6, parseIP } from './ip.js';
export type { IP, IPFamily } from './ip.js';
export { cidrAddress, cidrContains, cidrOffset, cidrsOverlap, formatCIDR, parseCIDR, parseCIDRStrict, parseIPRange } from './cidr.js';
export type { CIDR, IPRange } from './cidr.js';
export { isLinkLocal, isLinkLocalMulticast, isLinkLocalUnicast, isLoopback, isMulticast, isUnspecified, specialIPRange } from './classify.js';
export type { SpecialIPRange } from './classify.js';
export { ipFromReverseName, reverseName } from './reverse.js';
export { isDottedQuad } from './parse.js';
export { joinHostPort } from './hostPort.js';
