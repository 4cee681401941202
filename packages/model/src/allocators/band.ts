// The static/dynamic split shared by the ClusterIP (KEP-3070) and NodePort (KEP-3668) allocators,
// and upstream's random-scan-with-offset strategy as a pure function of the used set.

/**
 * Size of the static band at the bottom of a range: min(max(min, size/step), max), and 0 when the range
 * has no more than `min` values. ClusterIPs use (16, 16, 256) on the CIDR size; NodePorts (16, 32, 128).
 */
export function staticBandSize(rangeSize: bigint, min: bigint, step: bigint, max: bigint): bigint {
  if (rangeSize <= min) return 0n;
  const offset = rangeSize / step;
  if (offset < min) return min;
  if (offset > max) return max;
  return offset;
}

const TWO_52 = 2 ** 52;

/** A uniform index in [0, n) from a `random()` in [0, 1), exact enough for bigints of any size. */
export function randomIndex(n: bigint, random: () => number): bigint {
  if (n <= 0n) return 0n;
  const r = BigInt(Math.min(TWO_52 - 1, Math.max(0, Math.floor(random() * TWO_52))));
  return (r * n) >> 52n;
}

/** What the allocator needs to know of the used set: how many indexes each band holds, and membership. */
export interface UsedIndexes {
  /** Used indexes below the static band's end (`offset`). */
  readonly inStatic: bigint;
  /** Used indexes from `offset` up to `max`. */
  readonly inDynamic: bigint;
  has(index: bigint): boolean;
}

/** UsedIndexes of a plain set of indexes (NodePorts and tests). */
export function usedFromSet(set: ReadonlySet<bigint>, offset: bigint, max: bigint): UsedIndexes {
  let inStatic = 0n;
  let inDynamic = 0n;
  for (const u of set) {
    if (u >= 0n && u < offset) inStatic++;
    else if (u >= offset && u < max) inDynamic++;
  }
  return { inStatic, inDynamic, has: (i) => set.has(i) };
}

/**
 * A free index in [lo, hi) holding `inBand` used ones: a random start, then upward with wrap-around,
 * as upstream's randomScanStrategyWithOffset. Only `inBand + 1` probes are ever needed, so a huge IPv6
 * band costs no more than a small one. Undefined when every index of the band is used.
 */
export function freeInBand(lo: bigint, hi: bigint, inBand: bigint, has: (i: bigint) => boolean, random: () => number): bigint | undefined {
  const size = hi - lo;
  if (size <= 0n || inBand >= size) return undefined;
  const start = randomIndex(size, random);
  for (let i = 0n; i <= inBand; i++) {
    const at = lo + ((start + i) % size);
    if (!has(at)) return at;
  }
  return undefined; // unreachable: inBand + 1 probes always meet a free index
}

/** Dynamic allocation: the upper band first, then the static band when the upper one is full. */
export function allocateWithOffset(max: bigint, offset: bigint, used: UsedIndexes, random: () => number): bigint | undefined {
  return freeInBand(offset, max, used.inDynamic, used.has, random) ?? freeInBand(0n, offset, used.inStatic, used.has, random);
}
