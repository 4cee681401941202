import { describe, expect, it } from 'vitest';
import { FNV1A_OFFSET, fnv1aBytes, fnv1aStep, fnv32a } from './fnv1a.js';
import { levenshtein } from './levenshtein.js';

describe('fnv32a', () => {
  // Go's hash/fnv New32a test vectors.
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('%j', (text, want) => expect(fnv32a(text)).toBe(want));

  it('the byte step and the range agree with the text hash', () => {
    const bytes = new TextEncoder().encode('web.default.svc');
    let h = FNV1A_OFFSET | 0;
    for (const b of bytes) h = fnv1aStep(h, b);
    expect(h >>> 0).toBe(fnv32a('web.default.svc'));
    expect(fnv1aBytes(FNV1A_OFFSET, bytes, 0, bytes.length) >>> 0).toBe(fnv32a('web.default.svc'));
  });
});

describe('levenshtein', () => {
  it.each([
    ['', '', 0],
    ['service', 'service', 0],
    ['servce', 'service', 1],
    ['Service', 'service', 1],
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
  ])('%j ~ %j = %i', (a, b, want) => {
    expect(levenshtein(a, b)).toBe(want);
    expect(levenshtein(b, a)).toBe(want);
  });
});
