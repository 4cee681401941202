import { cidrContains, formatCIDR, parseCIDR, type CIDR } from '../net/cidr.js';
import { formatIP, parseIP } from '../net/ip.js';
import { allocateWithOffset, staticBandSize } from './band.js';
import { AllocationError, rangeFull } from './errors.js';

export interface AllocatorOptions {
  /** A number in [0, 1); injected so tests are deterministic. Defaults to Math.random. */
  readonly random?: () => number;
}

/**
 * The allocatable part of a service CIDR as upstream's ipallocator.Range: index 0 is the address after
 * the network address; IPv4 also loses its broadcast address. `offset` is the KEP-3070 static band.
 */
export interface ServiceIPRange {
  readonly cidr: CIDR;
  readonly text: string;
  readonly max: bigint;
  readonly offset: bigint;
}

export function serviceIPRange(cidr: string): ServiceIPRange {
  const c = parseCIDR(cidr);
  if (!c) throw new AllocationError('InvalidRange', `invalid service CIDR ${JSON.stringify(cidr)}: want an address/prefix such as 10.96.0.0/12 or fd00:10:96::/108`);
  let max = c.size - 1n; // the network address is never handed out
  if (c.family === 'IPv4') max -= 1n; // nor the IPv4 broadcast address
  if (max < 0n) max = 0n;
  return { cidr: c, text: formatCIDR(c), max, offset: staticBandSize(c.size, 16n, 16n, 256n) };
}

/** Used addresses of the range, as allocator indexes. */
export function usedIndexes(range: ServiceIPRange, used: ReadonlySet<string>): Set<bigint> {
  const out = new Set<bigint>();
  for (const text of used) {
    const ip = parseIP(text);
    if (ip && cidrContains(range.cidr, ip)) out.add(ip.value - range.cidr.base - 1n);
  }
  return out;
}

export function notInRange(ip: string, validRange: string): AllocationError {
  return new AllocationError('NotInRange', `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${validRange}`);
}

/**
 * Allocates a ClusterIP from `cidr`. With `requested`, reserves exactly that address (any band) or
 * throws AlreadyAllocated / NotInRange; without, picks a free address at random from the dynamic band,
 * falling back to the static band only when the dynamic one is full, so well-known addresses such as
 * 10.96.0.1 (kubernetes) and 10.96.0.10 (kube-dns) stay free for the Services that ask for them.
 * Returns the address in canonical text. `used` holds every address already taken.
 */
export function allocateClusterIP(cidr: string, used: ReadonlySet<string>, requested?: string, options: AllocatorOptions = {}): string {
  const range = serviceIPRange(cidr);
  const taken = usedIndexes(range, used);
  if (requested !== undefined && requested !== '') {
    const ip = parseIP(requested);
    const index = ip && cidrContains(range.cidr, ip) ? ip.value - range.cidr.base - 1n : -1n;
    if (index < 0n || index >= range.max) throw notInRange(requested, range.text);
    if (taken.has(index)) throw new AllocationError('AlreadyAllocated', `the provided IP (${requested}) is already allocated`);
    return formatIP(ip!);
  }
  const index = allocateWithOffset(range.max, range.offset, taken, options.random ?? Math.random);
  if (index === undefined) throw rangeFull();
  return formatIP({ family: range.cidr.family, value: range.cidr.base + 1n + index });
}
