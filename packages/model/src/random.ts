/**
 * A source of uniform numbers in [0, 1), like Math.random. Randomness comes in as a parameter so
 * simulations and tests are reproducible, as time does (@svcnet/store's Clock).
 */
export type Random = () => number;

/** A small deterministic PRNG (mulberry32) for seeded simulations and tests. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
