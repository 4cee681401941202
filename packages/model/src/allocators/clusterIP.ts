import { cidrContains, formatCIDR, parseCIDR, type CIDR } from '../net/cidr.js';
import { formatIP, parseIP, type IP } from '../net/ip.js';
import { allocateWithOffset, staticBandSize, type UsedIndexes } from './band.js';
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

// Allocation is a pure function of the used set, so each call reads the whole set. Parsing the same
// address texts again on every call dominated its cost (56 ms per call at 10,000 Services), so each
// text's parse is remembered, with its canonical spelling. Bounded: cleared past MAX_CACHED entries.
interface Parsed {
  readonly ip: IP;
  /** The canonical text when `text` is spelt otherwise (`FD00::A` for fd00::a), else undefined. */
  readonly canonical: string | undefined;
}
const MAX_CACHED = 1 << 18;
const cache = new Map<string, Parsed | null>();

function parseUsed(text: string): Parsed | undefined {
  let p = cache.get(text);
  if (p === undefined) {
    if (cache.size >= MAX_CACHED) cache.clear();
    const ip = parseIP(text);
    const canonical = ip && formatIP(ip);
    p = ip ? { ip, canonical: canonical === text ? undefined : canonical } : null;
    cache.set(text, p);
  }
  return p ?? undefined;
}

/**
 * The used addresses of `range` as allocator indexes: counted per band in one pass, with membership
 * answered by the used set itself (by canonical text) rather than a copy of it.
 */
export function usedIndexes(range: ServiceIPRange, used: ReadonlySet<string>): UsedIndexes {
  const { base, family } = range.cidr;
  const first = base + 1n;
  const staticEnd = first + range.offset;
  const end = first + range.max;
  let inStatic = 0n;
  let inDynamic = 0n;
  let respelt: Set<string> | undefined;
  for (const text of used) {
    const p = parseUsed(text);
    if (!p || p.ip.family !== family) continue;
    const v = p.ip.value;
    if (v < first || v >= end) continue;
    if (v < staticEnd) inStatic++;
    else inDynamic++;
    if (p.canonical) (respelt ??= new Set()).add(p.canonical);
  }
  const has = (i: bigint): boolean => {
    const t = formatIP({ family, value: first + i });
    return used.has(t) || (respelt?.has(t) ?? false);
  };
  return { inStatic, inDynamic, has };
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
