import { allocateWithOffset, staticBandSize } from './band.js';
import { AllocationError, rangeFull } from './errors.js';
import type { AllocatorOptions } from './clusterIP.js';

/** A port range as apimachinery's net.PortRange. */
export interface PortRange {
  readonly base: number;
  readonly size: number;
}

/**
 * Parses `30000-32767`, `30000+2767` (base plus extra ports) or a single port, as net.ParsePortRange;
 * throws AllocationError InvalidRange otherwise.
 */
export function parsePortRange(text: string): PortRange {
  const t = text.trim();
  const m = /^(\d{1,5})(?:([-+])(\d{1,5}))?$/.exec(t);
  const fail = () => new AllocationError('InvalidRange', `invalid port range ${JSON.stringify(text)}: want min-max such as 30000-32767`);
  if (!m) throw fail();
  const low = Number(m[1]);
  let high = low;
  if (m[2] === '-') high = Number(m[3]);
  else if (m[2] === '+') high = low + Number(m[3]);
  if (low < 1 || high > 65535 || high < low) throw fail();
  return { base: low, size: high - low + 1 };
}

export function formatPortRange(r: PortRange): string {
  return `${r.base}-${r.base + r.size - 1}`;
}

/** KEP-3668: min(max(16, size/32), 128) ports at the bottom are kept for static (requested) NodePorts. */
export function nodePortStaticBand(r: PortRange): number {
  return Number(staticBandSize(BigInt(r.size), 16n, 32n, 128n));
}

/**
 * Allocates a NodePort from `range`. With `requested`, reserves that port or throws AlreadyAllocated
 * (`provided port is already allocated`) / NotInRange; without, picks a free port at random above the
 * static band, then inside it when the rest is full, or throws RangeFull.
 */
export function allocateNodePort(range: string, used: ReadonlySet<number>, requested?: number, options: AllocatorOptions = {}): number {
  const r = parsePortRange(range);
  if (requested !== undefined && requested !== 0) {
    if (!Number.isInteger(requested) || requested < r.base || requested >= r.base + r.size) {
      throw new AllocationError('NotInRange', `provided port is not in the valid range. The range of valid ports is ${formatPortRange(r)}`);
    }
    if (used.has(requested)) throw new AllocationError('AlreadyAllocated', 'provided port is already allocated');
    return requested;
  }
  const offset = nodePortStaticBand(r);
  let inStatic = 0;
  let inDynamic = 0;
  for (const p of used) {
    const i = p - r.base;
    if (i >= 0 && i < offset) inStatic++;
    else if (i >= offset && i < r.size) inDynamic++;
  }
  const taken = { inStatic: BigInt(inStatic), inDynamic: BigInt(inDynamic), has: (i: bigint) => used.has(r.base + Number(i)) };
  const index = allocateWithOffset(BigInt(r.size), BigInt(offset), taken, options.random ?? Math.random);
  if (index === undefined) throw rangeFull();
  return r.base + Number(index);
}
