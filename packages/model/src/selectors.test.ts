import { describe, expect, it } from 'vitest';
import { SelectorError, labelSelectorAsSelector, labelSelectorMatches, parseSelector, selectorMatches } from './selectors.js';

// Tables transcribed from apimachinery pkg/labels/selector_test.go.
describe('parseSelector', () => {
  it.each(['x=a,y=b,z=c', '', 'x!=a,y=b', 'x=', 'x= ', 'x=,z= ', 'x= ,z= ', '!x', 'x>1', 'x>1,z<5'])(
    'parses %j and prints it back without spaces (TestSelectorParse)',
    (text) => {
      expect(parseSelector(text).toString()).toBe(text.replaceAll(' ', ''));
    },
  );

  it.each(['x=a||y=b', 'x==a==b', '!x=a', 'x<a', 'x in (a b)', 'x in a', 'x,', '=a', 'x=a,,y=b', 'x in (a', 'x~y=1'])(
    'rejects %j with a SelectorError',
    (text) => {
      expect(() => parseSelector(text)).toThrow(SelectorError);
    },
  );

  it('is deterministic (TestDeterministicParse)', () => {
    expect(parseSelector('x=a,a=x').toString()).toBe(parseSelector('a=x,x=a').toString());
  });

  it('names the position and what was expected', () => {
    expect(() => parseSelector('!x=a')).toThrow(/found '=' at position 2, expected: ',' or end of string/);
    expect(() => parseSelector('x<a')).toThrow(/value must be an integer/);
    expect(() => parseSelector('x=a b')).toThrow(/found 'b' at position 4/);
    try {
      parseSelector('x==a==b');
    } catch (e) {
      expect((e as SelectorError).code).toBe('InvalidSelector');
    }
  });

  const match: Array<[string, Record<string, string>]> = [
    ['', { x: 'y' }],
    ['x=y', { x: 'y' }],
    ['x=y,z=w', { x: 'y', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'a' }],
    ['notin=in', { notin: 'in' }],
    ['x', { x: 'z' }],
    ['!x', { y: 'z' }],
    ['x>1', { x: '2' }],
    ['x<1', { x: '0' }],
    ['foo=bar', { foo: 'bar', baz: 'blah' }],
    ['baz=blah', { foo: 'bar', baz: 'blah' }],
    ['foo=bar,baz=blah', { foo: 'bar', baz: 'blah' }],
  ];
  const noMatch: Array<[string, Record<string, string>]> = [
    ['x=z', {}],
    ['x=y', { x: 'z' }],
    ['x=y,z=w', { x: 'w', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'w' }],
    ['x', { y: 'z' }],
    ['!x', { x: 'z' }],
    ['x>1', { x: '0' }],
    ['x<1', { x: '2' }],
    ['foo=blah', { foo: 'bar', baz: 'blah' }],
    ['baz=bar', { foo: 'bar', baz: 'blah' }],
    ['foo=bar,foobar=bar,baz=blah', { foo: 'bar', baz: 'blah' }],
  ];
  it.each(match)('%j matches %j (TestSelectorMatches)', (sel, labels) => expect(parseSelector(sel).matches(labels)).toBe(true));
  it.each(noMatch)('%j does not match %j (TestSelectorMatches)', (sel, labels) => expect(parseSelector(sel).matches(labels)).toBe(false));

  // TestSetSelectorParser: input, canonical output, whether it matches {x: 'foo'... } is not used here.
  it.each([
    ['', ''],
    ['\rx', 'x'],
    ['this-is-a-dns.domain.com/key-with-dash', 'this-is-a-dns.domain.com/key-with-dash'],
    ['this-is-another-dns.domain.com/key-with-dash in (so,what)', 'this-is-another-dns.domain.com/key-with-dash in (so,what)'],
    ['0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)', '0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)'],
    ['foo  in\t (abc)', 'foo in (abc)'],
    ['x notin\n (abc)', 'x notin (abc)'],
    ['x  notin\t\t\t(abc,def)', 'x notin (abc,def)'],
    ['x in (abc,def)', 'x in (abc,def)'],
    ['x in (abc,)', 'x in (,abc)'],
    ['x in ()', 'x in ()'],
    ['x notin (abc,def),bar,z in (),w', 'bar,w,x notin (abc,def),z in ()'],
    ['x,y in (a)', 'x,y in (a)'],
    ['x=a', 'x=a'],
    ['x>1', 'x>1'],
    ['x<7', 'x<7'],
    ['x=a,y!=b', 'x=a,y!=b'],
    ['x=a,y!=b,z in (h,i,j)', 'x=a,y!=b,z in (h,i,j)'],
    ['x=a||y=b', undefined],
    ['x,,y', undefined],
    [',x,y', undefined],
    ['x nott in (y)', undefined],
    ['x notin ( )', 'x notin ()'],
    ['x notin (, a)', 'x notin (,a)'],
    ['a in (xyz),', undefined],
    ['a in (xyz)b notin ()', undefined],
    ['a ', 'a'],
    ['a in (x,y,notin, z,in)', 'a in (in,notin,x,y,z)'],
    ['a in (xyz abc)', undefined],
    ['a notin(', undefined],
    ['a (', undefined],
    ['(', undefined],
  ] as const)('%j -> %j (TestSetSelectorParser)', (text, want) => {
    if (want === undefined) expect(() => parseSelector(text)).toThrow(SelectorError);
    else expect(parseSelector(text).toString()).toBe(want);
  });

  // TestRequirementSelectorMatching
  it.each([
    ['x in (foo),y notin (alpha)', { x: 'foo', y: 'baz' }, true],
    ['x in (foo),y in (alpha)', { x: 'foo', y: 'baz' }, false],
    ['x notin (),y', { y: '' }, true],
    ['!x,y', { y: '' }, true],
    ['x notin (),!y', { y: '' }, false],
    ['x in ()', { y: 'baz' }, false],
    ['z>1', { z: '2' }, true],
    ['z>1', { z: 'v2' }, false],
  ] as const)('%j on %j is %s', (sel, labels, want) => expect(parseSelector(sel).matches(labels)).toBe(want));

  it('rejects keys and values that are not valid label keys and values', () => {
    expect(() => parseSelector(`${'a'.repeat(64)}=x`)).toThrow(/invalid label key/);
    expect(() => parseSelector(`x=${'a'.repeat(64)}`)).toThrow(/invalid label value/);
    expect(() => parseSelector('Example.com/x=1')).toThrow(/prefix part/);
  });
});

describe('selectorMatches (Service map selectors)', () => {
  it.each([
    [{}, { foo: 'bar', baz: 'blah' }, true],
    [{ foo: 'bar' }, { foo: 'bar', baz: 'blah' }, true],
    [{ baz: 'blah' }, { foo: 'bar', baz: 'blah' }, true],
    [{ foo: 'bar', baz: 'blah' }, { foo: 'bar', baz: 'blah' }, true],
    [{ foo: 'bar', baz: 'x' }, { foo: 'bar', baz: 'blah' }, false],
    [{ app: 'nginx' }, undefined, false],
    [{}, undefined, true],
  ] as const)('%j on %j is %s (TestSetMatches)', (sel, labels, want) => expect(selectorMatches(sel, labels)).toBe(want));

  it('undefined and null select nothing', () => {
    expect(selectorMatches(undefined, { app: 'x' })).toBe(false);
    expect(selectorMatches(null, {})).toBe(false);
  });
});

describe('labelSelectorMatches (metav1.LabelSelector)', () => {
  it.each([
    [{}, { a: 'b' }, true],
    [{ matchLabels: { app: 'web' } }, { app: 'web', tier: 'fe' }, true],
    [{ matchLabels: { app: 'web' } }, { app: 'db' }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }] }, { tier: 'be' }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe'] }] }, {}, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['fe'] }] }, {}, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['fe'] }] }, { tier: 'fe' }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, { tier: '' }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, { tier: '' }, false],
    [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }, { app: 'web', env: 'prod' }, true],
    // Invalid expressions select nothing.
    [{ matchExpressions: [{ key: 'tier', operator: 'In', values: [] }] }, { tier: 'x' }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'Exists', values: ['x'] }] }, { tier: 'x' }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'Gt', values: ['1'] }] }, { tier: '2' }, false],
  ] as const)('%j on %j is %s', (ls, labels, want) => expect(labelSelectorMatches(ls as never, labels)).toBe(want));

  it('null selects nothing; invalid selectors explain why', () => {
    expect(labelSelectorMatches(null, {})).toBe(false);
    expect(() => labelSelectorAsSelector({ matchExpressions: [{ key: 'a', operator: 'Bad' }] })).toThrow(/Unsupported value: "Bad"/);
    expect(labelSelectorAsSelector({ matchLabels: { b: '1', a: '2' } }).toString()).toBe('a=2,b=1');
  });
});
