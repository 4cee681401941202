import { describe, expect, it } from 'vitest';
import { hostProblem, invalidHost, requestHost } from './hostHeader.js';

describe('invalidHost: uri-host [":" port]', () => {
  it.each([
    'a.example',
    'A.Example:8080',
    'a.example.',
    'a.example:',
    'localhost',
    '10.0.0.1:80',
    '[::1]',
    '[2001:db8::7]:443',
    '[::ffff:10.0.0.1]',
    'my_host-1.example',
    '*.example',
    'xn--caf-dma.example',
    'a%2Db.example',
    '.example',
  ])('accepts %j', (host) => {
    expect(invalidHost(host)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['.', /empty/],
    [':80', /empty/],
    ['a..example', /"\.\."/],
    ['a.example/x', /"\/"/],
    ['a.example\\x', /"\\\\"/],
    ['a b', /" "/],
    ['a\tb', /"\\t"/],
    ['a\x00b', /"\\u0000"/],
    ['a\x01b', /"\\u0001"/],
    ['user@a.example', /"@"/],
    ['a.example?x', /"\?"/],
    ['a.example#x', /"#"/],
    ['caf\xe9.example', /"é"/],
    ['a%zz', /percent-escape/],
    ['a%2', /percent-escape/],
    ['[::1', /IPv6/],
    ['[10.0.0.1]', /IPv6/],
    ['[::1]x', /only ":" and a port/],
    ['a.example:8o', /not a number/],
    ['a.example:65536', /up to 65535/],
    ['a.example:123456', /up to 65535/],
    ['a.example:80:80', /not a number/],
  ])('refuses %j', (host, reason) => {
    expect(invalidHost(host)).toMatch(reason);
  });
});

describe('hostProblem: the Host a request is routed by', () => {
  it.each([
    ['origin-form', 'a.example', '/x'],
    ['no Host (HTTP/1.0)', undefined, '/x'],
    ['absolute-form, same authority', 'a.example', 'http://a.example/x'],
    ['absolute-form, case differs', 'A.EXAMPLE', 'http://a.example/x?q'],
    ['absolute-form, default port written in the target', 'a.example', 'http://a.example:80/x'],
    ['absolute-form, default port written in Host', 'a.example:443', 'https://a.example/'],
    ['absolute-form, same explicit port', 'a.example:8080', 'http://a.example:8080'],
    ['absolute-form, empty port', 'a.example:', 'http://a.example/'],
    ['absolute-form, IPv6', '[::1]:80', 'http://[::1]/'],
    ['absolute-form without Host (HTTP/1.0)', undefined, 'http://a.example/'],
    ['a target routing refuses anyway', 'a.example', '*'],
  ])('%s: routed', (_name, host, target) => {
    expect(hostProblem(host, target)).toBeUndefined();
  });

  it.each([
    ['an empty Host', '', '/x', /Host "" is invalid: it is empty/],
    ['a Host with a space', 'a.example evil', '/x', /Host "a.example evil" is invalid/],
    ['a Host with a path', 'a.example/evil', '/x', /is invalid/],
    ['absolute-form, another host', 'evil.attacker', 'http://a.example/x', /Host "evil.attacker" differs from the request target's authority "a.example"/],
    ['absolute-form, another port', 'a.example:8080', 'http://a.example/x', /differs/],
    ['absolute-form, https default port against http', 'a.example:443', 'http://a.example/', /differs/],
    ['absolute-form, userinfo', 'a.example', 'http://user@a.example/', /authority "user@a.example" is invalid/],
    ['absolute-form, empty authority', 'a.example', 'http:///x', /authority "" is invalid/],
  ])('%s: 400', (_name, host, target, reason) => {
    expect(hostProblem(host, target)).toMatch(reason);
  });
});

describe('requestHost: the one Host line of rawHeaders', () => {
  it.each([
    [['Host', 'a.example', 'Accept', '*/*'], 'a.example'],
    [['accept', '*/*', 'HOST', 'a.example'], 'a.example'],
    [['Accept', '*/*'], undefined],
    [['Host', 'a.example', 'Host', 'evil.attacker'], null],
    [['Host', 'a.example', 'hOsT', 'a.example'], null],
    [['Host', '', 'Host', 'a.example'], null],
    [['Hosts', 'x', 'X-Host', 'y', 'Host', 'a.example'], 'a.example'],
  ])('%j -> %j', (raw, want) => {
    expect(requestHost(raw)).toBe(want);
  });
});
