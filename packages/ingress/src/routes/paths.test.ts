import { describe, expect, it } from 'vitest';
import { BadPathError, normaliseRequestPath, prefixCandidates, prefixKey } from './paths.js';

describe('normaliseRequestPath (as nginx normalises before location lookup)', () => {
  const cases: [string, string, string][] = [
    // target, matched path, forwarded target
    ['/', '/', '/'],
    ['/foo', '/foo', '/foo'],
    ['/foo/', '/foo/', '/foo/'],
    ['/foo?a=1&b=/..', '/foo', '/foo?a=1&b=/..'],
    ['/foo/../admin', '/admin', '/admin'],
    ['/foo/./bar', '/foo/bar', '/foo/bar'],
    ['/foo/bar/..', '/foo/', '/foo/'],
    ['/foo/bar/.', '/foo/bar/', '/foo/bar/'],
    ['//foo///bar', '/foo/bar', '/foo/bar'],
    ['/%2e%2e/x/../y', '', ''],
    ['/public/%2e%2e/admin', '/admin', '/admin'],
    ['/public/%2E%2E/admin', '/admin', '/admin'],
    ['/public%2f..%2fadmin', '/admin', '/admin'],
    ['/a%20b/c', '/a b/c', '/a%20b/c'],
    ['/caf%C3%A9', '/café', '/caf%C3%A9'],
    ['/a/%41', '/a/A', '/a/A'],
    ['http://example.com/x/../y?q', '/y', '/y?q'],
  ];
  it.each(cases)('%s -> %s', (target, path, forward) => {
    if (path === '') {
      expect(() => normaliseRequestPath(target)).toThrow(BadPathError);
      return;
    }
    expect(normaliseRequestPath(target)).toEqual({ path, forward });
  });

  it.each(['/..', '/../etc/passwd', '/a/../../b', '/%2e%2e', '/%zz', '/a%00b', 'foo', '*'])('refuses %s', (target) => {
    expect(() => normaliseRequestPath(target)).toThrow(BadPathError);
  });
});

describe('prefix keys', () => {
  it.each([
    ['/', '/'],
    ['/foo', '/foo'],
    ['/foo/', '/foo'],
    ['/foo//', '/foo'],
  ])('prefixKey(%s) = %s', (p, k) => expect(prefixKey(p)).toBe(k));

  it('lists element-wise prefixes longest first', () => {
    expect([...prefixCandidates('/aaa/bbb/ccc')]).toEqual(['/aaa/bbb/ccc', '/aaa/bbb', '/aaa', '/']);
    expect([...prefixCandidates('/aaa/')]).toEqual(['/aaa', '/']);
    expect([...prefixCandidates('/')]).toEqual(['/']);
  });
});
