/**
 * Names as the API server and controllers generate them. Matches k8s.io/apimachinery/pkg/util/rand:
 * `alphanums` leaves out vowels and easily confused characters so generated names never spell words;
 * String(n) draws n characters from it. The random source is a parameter, so callers stay reproducible.
 */
export const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.String(n): n characters drawn from ALPHANUMS with `random` (a [0, 1) source). */
export function randomString(n: number, random: () => number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += ALPHANUMS[Math.floor(random() * ALPHANUMS.length) % ALPHANUMS.length];
  return out;
}

/**
 * A generateName-style name: `<prefix><5 random chars>` (names.SimpleNameGenerator), with the
 * random source injected. The prefix is cut so the name stays within 63 characters.
 */
export function generateName(prefix: string, random: () => number): string {
  return `${prefix.slice(0, 58)}${randomString(5, random)}`;
}
