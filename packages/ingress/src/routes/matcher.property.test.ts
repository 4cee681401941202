import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ingress, path, rule } from '../../test/fixtures.js';
import { matchRequest } from './matcher.js';
import { normaliseRequestPath, pathMatches, prefixKey } from './paths.js';
import type { MatchType } from './paths.js';
import { compileRouteTable } from './routeTableBuilder.js';

const segment = fc.constantFrom('a', 'b', 'ab', 'a.b', 'A', '');
const pathArb = fc.array(segment, { minLength: 0, maxLength: 4 }).map((s) => '/' + s.join('/'));
const ruleArb = fc.tuple(pathArb, fc.constantFrom<MatchType>('Exact', 'Prefix'));

/** The docs' rule stated literally: among matching rules the longest wins, Exact on a tie. */
function reference(rules: [string, MatchType][], req: string): number | undefined {
  let best: number | undefined;
  let bestLen = -1;
  let bestExact = false;
  const seen = new Set<string>();
  rules.forEach(([p, t], i) => {
    const key = `${t} ${t === 'Exact' ? p : prefixKey(p)}`;
    if (seen.has(key)) return; // first claim wins
    seen.add(key);
    if (!pathMatches(t, p, req)) return;
    const len = t === 'Exact' ? p.length : prefixKey(p).length;
    if (len > bestLen || (len === bestLen && t === 'Exact' && !bestExact)) {
      best = i;
      bestLen = len;
      bestExact = t === 'Exact';
    }
  });
  return best;
}

describe('matcher properties (fast-check)', () => {
  it('the map-based matcher agrees with the literal longest-match rule', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 8 }), pathArb, (rules, req) => {
        const t = compileRouteTable([ingress('p', { rules: [rule('h', ...rules.map(([p, ty], i) => path(p, ty, `s${i}`)))] })]);
        const m = matchRequest(t, 'h', req);
        const want = reference(rules, req);
        expect(m.kind === 'route' ? m.route.backend?.service : undefined).toBe(want === undefined ? undefined : `s${want}`);
      }),
      { numRuns: 600 },
    );
  });

  it('a Prefix rule never matches a request that only shares a string prefix', () => {
    fc.assert(
      fc.property(pathArb, fc.string({ minLength: 1, maxLength: 3 }).filter((s) => !s.includes('/')), (p, tail) => {
        fc.pre(p !== '/' && !p.includes('//') && !p.endsWith('/'));
        expect(pathMatches('Prefix', p, prefixKey(p) + tail)).toBe(false);
        expect(pathMatches('Prefix', p, prefixKey(p) + '/' + tail)).toBe(true);
      }),
    );
  });

  it('normalised paths are fixed points and never contain dot segments or empty segments', () => {
    const raw = fc.array(fc.constantFrom('a', '.', '..', '', '%2e', '%2E%2e', 'b%2f..', '%41'), { maxLength: 6 }).map((s) => '/' + s.join('/'));
    fc.assert(
      fc.property(raw, (target) => {
        let n;
        try {
          n = normaliseRequestPath(target);
        } catch {
          return;
        }
        expect(n.path.split('/').slice(1, -1)).not.toContain('');
        expect(n.path.split('/')).not.toContain('..');
        expect(n.path.split('/')).not.toContain('.');
        expect(normaliseRequestPath(n.forward)).toEqual(n);
      }),
      { numRuns: 2000 },
    );
  });
});
