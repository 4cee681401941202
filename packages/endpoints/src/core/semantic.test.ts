import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJSON, semanticEqual } from './semantic.js';

// JSON-shaped values with the "empty" cases semanticEqual must see through (null, [], {}, absent).
const leaf = fc.oneof(fc.constant(null), fc.constant(undefined), fc.constantFrom('', 'a', 'b'), fc.constantFrom(0, 1, true, false));
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('ip', 'targetRef', 'resourceVersion', 'name'), tie('v'), { maxKeys: 3 })),
})).v;

describe('semanticEqual', () => {
  it('agrees with comparing canonical JSON texts', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(semanticEqual(a, b)).toBe(canonicalJSON(a) === canonicalJSON(b));
        expect(semanticEqual(a, structuredClone(a))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    [{ subsets: [] }, {}, true],
    [{ a: { b: null, c: [] } }, undefined, true],
    [[{}], [null], true],
    [[{}], [], false],
    [{ targetRef: { name: 'p', resourceVersion: '1' } }, { targetRef: { name: 'p', resourceVersion: '2' } }, true],
    [{ x: { resourceVersion: '1' } }, { x: { resourceVersion: '2' } }, false],
    [{ ip: '1.2.3.4' }, { ip: '1.2.3.5' }, false],
  ])('%j vs %j -> %s', (a, b, equal) => {
    expect(semanticEqual(a, b)).toBe(equal);
  });
});
