import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AllocationError, allocateNodePort, nodePortStaticBand, parsePortRange } from './index.js';
import { seededRandom } from '../random.js';

describe('parsePortRange (apimachinery net.ParsePortRange)', () => {
  it.each([
    ['30000-32767', 30000, 2768],
    ['30000+2767', 30000, 2768],
    ['80', 80, 1],
    [' 100-200 ', 100, 101],
  ] as const)('%j', (text, base, size) => expect(parsePortRange(text)).toEqual({ base, size }));
  it.each(['', 'x', '0-10', '10-5', '65000-70000', '1-2-3'])('%j is invalid', (t) => {
    expect(() => parsePortRange(t)).toThrow(AllocationError);
  });
});

describe('allocateNodePort', () => {
  const range = '30000-32767';

  it('uses the KEP-3668 static band min(max(16, size/32), 128)', () => {
    expect(nodePortStaticBand(parsePortRange('30000-32767'))).toBe(86);
    expect(nodePortStaticBand(parsePortRange('30000-30015'))).toBe(0);
    expect(nodePortStaticBand(parsePortRange('30000-30099'))).toBe(16);
    expect(nodePortStaticBand(parsePortRange('20000-39999'))).toBe(128);
  });

  it('reserves requested ports with upstream wording for conflicts', () => {
    expect(allocateNodePort(range, new Set(), 30080)).toBe(30080);
    expect(() => allocateNodePort(range, new Set([30080]), 30080)).toThrow('provided port is already allocated');
    expect(() => allocateNodePort(range, new Set(), 8080)).toThrow(
      'provided port is not in the valid range. The range of valid ports is 30000-32767',
    );
    try {
      allocateNodePort(range, new Set([30080]), 30080);
    } catch (e) {
      expect((e as AllocationError).code).toBe('AlreadyAllocated');
    }
  });

  it('takes the upper band first, the static band after, then range is full', () => {
    const r = '30000-30099'; // static 30000-30015
    const used = new Set<number>();
    const random = seededRandom(11);
    const got: number[] = [];
    for (let i = 0; i < 100; i++) {
      const p = allocateNodePort(r, used, undefined, { random });
      used.add(p);
      got.push(p);
    }
    expect(got.slice(0, 84).every((p) => p >= 30016)).toBe(true);
    expect(got.slice(84).every((p) => p < 30016)).toBe(true);
    expect(() => allocateNodePort(r, used)).toThrow('range is full');
  });

  it('property: no double allocation; static band untouched while the dynamic band has room', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 1, max: 200 }), fc.array(fc.integer({ min: 30000, max: 32767 }), { maxLength: 30 }), (seed, n, pre) => {
        const random = seededRandom(seed);
        const used = new Set<number>(pre);
        for (let i = 0; i < n; i++) {
          const p = allocateNodePort(range, used, undefined, { random });
          expect(used.has(p)).toBe(false);
          expect(p >= 30086).toBe(true);
          used.add(p);
        }
        for (const p of pre) expect(() => allocateNodePort(range, used, p)).toThrow('provided port is already allocated');
      }),
      { numRuns: 30 },
    );
  });
});
