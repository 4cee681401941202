/**
 * The Levenshtein edit distance between two texts (insertions, deletions and substitutions of one
 * character each cost 1), for "did you mean" hints on kinds, flags and config keys. Two rows, not a
 * matrix: the texts compared are short, but so is the memory.
 */
export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
