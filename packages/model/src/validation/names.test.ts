import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  isWildcardDNS1123Subdomain,
  nameIsDNS1035Label,
} from './names.js';

// Tables from apimachinery pkg/util/validation/validation_test.go.
describe('name formats', () => {
  it('IsDNS1123Label', () => {
    for (const v of ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a'.repeat(63)]) expect(isDNS1123Label(v), v).toEqual([]);
    for (const v of ['', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2', '.', 'a.', '.a', 'a.b', '1.', '.1', '1.2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2', 'a'.repeat(64)]) {
      expect(isDNS1123Label(v).length, v).toBeGreaterThan(0);
    }
    expect(isDNS1123Label('a.b')).toEqual(['must not contain dots']);
  });

  it('IsDNS1123Subdomain', () => {
    for (const v of ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a.a', 'ab.a', 'abc.a', 'a1.a', 'a-1.a', 'a--1--2--b.a', 'a.1', 'ab.1', 'abc.1', 'a1.1', 'a-1.1', 'a--1--2--b.1', '0.a', '01.a', '012.a', '1a.a', '1-a.a', '1--a--b--2', '0.1', '01.1', '012.1', '1a.1', '1-a.1', '1--a--b--2.1', 'a.b.c.d.e', 'aa.bb.cc.dd.ee', '1.2.3.4.5', '11.22.33.44.55', 'a'.repeat(253)]) {
      expect(isDNS1123Subdomain(v), v).toEqual([]);
    }
    for (const v of ['', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2', '.', 'a.', '.a', 'a..b', '1.', '.1', '1..2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2', 'A.a', 'aB.a', 'ab.A', 'A1.a', 'a1.A', 'A.1', 'aB.1', 'A1.1', '1A.1', '0.A', '01.A', '012.A', '1A.a', '1a.A', 'A.B.C.D.E', 'AA.BB.CC.DD.EE', 'a.B.c.d.e', 'aa.bB.cc.dd.ee', 'a@b', 'a,b', 'a_b', 'a;b', 'a:b', 'a%b', 'a?b', 'a$b', 'a'.repeat(254)]) {
      expect(isDNS1123Subdomain(v).length, v).toBeGreaterThan(0);
    }
  });

  it('IsDNS1035Label', () => {
    for (const v of ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', 'a'.repeat(63)]) expect(isDNS1035Label(v), v).toEqual([]);
    for (const v of ['0', '01', '012', '1a', '1-a', '1--a--b--2', '', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '.', 'a.', '.a', 'a.b', ' ', 'a ', ' a', 'a b', 'a'.repeat(64)]) {
      expect(isDNS1035Label(v).length, v).toBeGreaterThan(0);
    }
    expect(isDNS1035Label('Web')).toEqual([
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ]);
    expect(isDNS1035Label('a'.repeat(64))).toEqual(['must be no more than 63 characters']);
  });

  it('IsWildcardDNS1123Subdomain', () => {
    for (const v of ['*.example.com', '*.bar.com', '*.foo.bar.com']) expect(isWildcardDNS1123Subdomain(v), v).toEqual([]);
    for (const v of ['*.*.bar.com', '*.foo.*.com', '*bar.com', 'f*.bar.com', '*']) expect(isWildcardDNS1123Subdomain(v).length, v).toBeGreaterThan(0);
  });

  it('IsValidPortName (IANA_SVC_NAME)', () => {
    for (const v of ['telnet', 're-mail-ck', 'pop3', 'a', 'a-1', '1-a', 'a-1-b-2-c', '1-a-2-b-3']) expect(isValidPortName(v), v).toEqual([]);
    const bad: Array<[string, string]> = [
      ['longerthan15characters', 'must be no more than 15 characters'],
      ['', 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'],
      ['h_it', 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'],
      ['1234', 'must contain at least one letter (a-z)'],
      ['a--b', 'must not contain consecutive hyphens'],
      ['-ab', 'must not begin or end with a hyphen'],
      ['ab-', 'must not begin or end with a hyphen'],
    ];
    for (const [v, msg] of bad) expect(isValidPortName(v), v).toContain(msg);
  });

  it('IsQualifiedName', () => {
    for (const v of ['simple', 'now-with-dashes', '1-starts-with-num', '1234', 'simple/simple', 'now-with-dashes/simple', 'now-with-dashes/now-with-dashes', 'now.with.dots/simple', 'now-with.dashes-and.dots/simple', '1-num.2-num/3-num', '1234/5678', '1.2.3.4/5678', 'Uppercase_Is_OK_123', 'example.com/Uppercase_Is_OK_123', 'requests.storage-foo', 'a'.repeat(63), `${'a'.repeat(253)}/${'b'.repeat(63)}`]) {
      expect(isQualifiedName(v), v).toEqual([]);
    }
    for (const v of ['nospecialchars%^=@', 'cantendwithadash-', '-cantstartwithadash-', 'only/one/slash', 'Example.com/abc', 'example_com/abc', 'example.com/', '/simple', 'a'.repeat(64), `${'a'.repeat(254)}/abc`]) {
      expect(isQualifiedName(v).length, v).toBeGreaterThan(0);
    }
  });

  it('IsValidLabelValue', () => {
    for (const v of ['simple', 'now-with-dashes', '1-starts-with-num', 'end-with-num-1', '1234', 'a'.repeat(63), '']) expect(isValidLabelValue(v), v).toEqual([]);
    for (const v of ['nospecialchars%^=@', 'Tama-nui-te-rā.is.Māori.sun', '\\backslashes\\are\\bad', '-starts-with-dash', 'ends-with-dash-', '.starts.with.dot', 'ends.with.dot.', 'a'.repeat(64)]) {
      expect(isValidLabelValue(v).length, v).toBeGreaterThan(0);
    }
  });

  it('generateName may end with a dash', () => {
    expect(nameIsDNS1035Label('web-', true)).toEqual([]);
    expect(nameIsDNS1035Label('web-', false)).toHaveLength(1);
  });
});

const lower = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz');
const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789');
const middle = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-');

describe('name formats (properties)', () => {
  it('every string generated from [a-z]([-a-z0-9]*[a-z0-9])? of at most 63 characters is a DNS-1035 label', () => {
    const label = fc
      .tuple(lower, fc.array(middle, { maxLength: 61 }), fc.option(alnum, { nil: undefined }))
      .map(([first, mid, last]) => (last === undefined ? first : first + mid.join('') + last));
    fc.assert(fc.property(label, (l) => isDNS1035Label(l).length === 0 && isDNS1123Label(l).length === 0));
  });

  it('any string with an uppercase letter is rejected by every DNS format', () => {
    const withUpper = fc
      .tuple(fc.string({ maxLength: 30 }), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), fc.string({ maxLength: 30 }))
      .map(([a, u, b]) => a + u + b);
    fc.assert(
      fc.property(withUpper, (s) => isDNS1035Label(s).length > 0 && isDNS1123Label(s).length > 0 && isDNS1123Subdomain(s).length > 0 && isValidPortName(s).length > 0),
    );
  });

  it('labels joined by dots form a subdomain while under 254 characters', () => {
    const label = fc.tuple(alnum, fc.array(middle, { maxLength: 20 }), alnum).map(([a, m, b]) => a + m.join('') + b);
    fc.assert(fc.property(fc.array(label, { minLength: 1, maxLength: 8 }), (ls) => isDNS1123Subdomain(ls.join('.')).length === 0));
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        for (const f of [isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, isValidPortName, isWildcardDNS1123Subdomain]) {
          expect(Array.isArray(f(s))).toBe(true);
        }
      }),
    );
  });
});
