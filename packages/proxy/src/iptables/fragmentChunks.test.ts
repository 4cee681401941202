import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FragmentChunks } from './fragmentChunks.js';

// Against a plain sorted map: after any sequence of upserts, removals and rebuilds, the chunks
// hold the keys in order and their joined text is the fragments' text in key order.
type Op = { kind: 'upsert' | 'remove'; key: number; v: number } | { kind: 'rebuild' } | { kind: 'read' };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constantFrom('upsert' as const, 'remove' as const), key: fc.integer({ min: 0, max: 60 }), v: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'rebuild' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'read' as const }) },
);

describe('FragmentChunks', () => {
  it('keeps keys sorted and chunk texts equal to the fragments joined in key order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.array(opArb, { maxLength: 200 }), (maxKeys, ops) => {
        const texts = new Map<string, { filter: string; natTop: string }>();
        const chunks = new FragmentChunks((k) => texts.get(k)!, maxKeys);
        const sorted = () => [...texts.keys()].sort();
        const check = () => {
          expect(chunks.chunks.flatMap((c) => c.keys)).toEqual(sorted());
          expect(chunks.chunks.map((c) => chunks.filterText(c)).join('')).toBe(sorted().map((k) => texts.get(k)!.filter).join(''));
          expect(chunks.chunks.map((c) => chunks.natTopText(c)).join('')).toBe(sorted().map((k) => texts.get(k)!.natTop).join(''));
          for (const c of chunks.chunks) {
            expect(c.keys.length).toBeGreaterThan(0);
            expect(c.keys.length).toBeLessThanOrEqual(maxKeys);
            for (const k of c.keys) expect(chunks.chunkFor(k)).toBe(c);
          }
        };
        for (const op of ops) {
          if (op.kind === 'rebuild') chunks.rebuild(sorted());
          else if (op.kind === 'read') check();
          else {
            // Keys that sort differently as strings and as numbers ('k10' < 'k9').
            const key = `k${op.key}`;
            if (op.kind === 'upsert') {
              texts.set(key, { filter: `f${key}=${op.v};`, natTop: op.v % 3 ? `n${key}=${op.v};` : '' });
              chunks.upsert(key);
            } else {
              texts.delete(key);
              chunks.remove(key);
            }
          }
        }
        check();
      }),
      { numRuns: 300 },
    );
  });
});
