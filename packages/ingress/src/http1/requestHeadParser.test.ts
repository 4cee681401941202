import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_FAST_HEAD, parseRequestHead, scanRequestHead } from './requestHeadParser.js';

const parse = (text: string) => parseRequestHead(Buffer.from(text, 'latin1'), 0);

describe('parseRequestHead: accepted heads', () => {
  it('parses method, target, Host and raw headers (values trimmed, names as sent)', () => {
    const r = parse('GET /a/b?x=1 HTTP/1.1\r\nHost: web.test:8080\r\nX-Thing:  v 1 \t\r\nAccept: */*\r\n\r\nrest');
    expect(r).toEqual({
      method: 'GET',
      target: '/a/b?x=1',
      host: 'web.test:8080',
      rawHeaders: ['Host', 'web.test:8080', 'X-Thing', 'v 1', 'Accept', '*/*'],
      end: 'GET /a/b?x=1 HTTP/1.1\r\nHost: web.test:8080\r\nX-Thing:  v 1 \t\r\nAccept: */*\r\n\r\n'.length,
    });
  });

  it.each([
    ['HEAD', 'HEAD / HTTP/1.1\r\nhost: h\r\n\r\n'],
    ['Connection: keep-alive', 'GET / HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive\r\n\r\n'],
    ['an empty header value', 'GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\n\r\n'],
  ])('accepts %s', (_name, text) => {
    expect(typeof parse(text)).toBe('object');
  });

  it.each([
    ['no Connection line', 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', false],
    ['Connection: keep-alive', 'GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n', false],
    ['Connection: close', 'GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n', true],
    ['Connection: CLOSE after keep-alive', 'GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nconnection:  CLOSE \r\n\r\n', true],
  ])('says whether the connection ends after the answer: %s', (_name, text, close) => {
    expect(scanRequestHead(Buffer.from(text, 'latin1'), 0)).toMatchObject({ close });
  });

  it('finds the end of heads of every length around the 1 KiB search window, and of long ones', () => {
    for (const pad of [...Array.from({ length: 40 }, (_, i) => 960 + i), 5000, 16_000]) {
      const text = `GET / HTTP/1.1\r\nHost: h\r\nX-Pad: ${'p'.repeat(pad)}\r\n\r\n`;
      const buf = Buffer.from(`${text}GET /next HTTP/1.1\r\n`);
      expect(parseRequestHead(buf, 0)).toMatchObject({ end: text.length, rawHeaders: ['Host', 'h', 'X-Pad', 'p'.repeat(pad)] });
      expect(parseRequestHead(Buffer.from(text.slice(0, -1)), 0)).toBe('incomplete');
    }
  });

  it('parses from an offset (pipelined requests)', () => {
    const one = 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\n';
    const buf = Buffer.from(`${one}GET /2 HTTP/1.1\r\nHost: h\r\n\r\n`);
    const r = parseRequestHead(buf, one.length);
    expect(r).toMatchObject({ target: '/2', end: buf.length });
  });
});

describe('parseRequestHead: everything else is handed to node:http', () => {
  it.each([
    ['POST', 'POST / HTTP/1.1\r\nHost: h\r\n\r\n'],
    ['lower-case method', 'get / HTTP/1.1\r\nHost: h\r\n\r\n'],
    ['HTTP/1.0', 'GET / HTTP/1.0\r\nHost: h\r\n\r\n'],
    ['HTTP/2.0', 'GET / HTTP/2.0\r\nHost: h\r\n\r\n'],
    ['absolute-form target', 'GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n'],
    ['asterisk target', 'GET * HTTP/1.1\r\nHost: h\r\n\r\n'],
    ['space in the target', 'GET /a b HTTP/1.1\r\nHost: h\r\n\r\n'],
    ['obs-text in the target', 'GET /\xe9 HTTP/1.1\r\nHost: h\r\n\r\n'],
    ['double space', 'GET  / HTTP/1.1\r\nHost: h\r\n\r\n'],
    ['no Host', 'GET / HTTP/1.1\r\nAccept: */*\r\n\r\n'],
    ['empty Host', 'GET / HTTP/1.1\r\nHost:\r\n\r\n'],
    ['two Hosts', 'GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n'],
    ['Content-Length', 'GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n'],
    ['Transfer-Encoding', 'GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['Upgrade', 'GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'],
    ['Expect', 'GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n'],
    ['Connection option list', 'GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Foo\r\n\r\n'],
    ['Proxy-Connection', 'GET / HTTP/1.1\r\nHost: h\r\nProxy-Connection: keep-alive\r\n\r\n'],
    ['space before the colon', 'GET / HTTP/1.1\r\nHost : h\r\n\r\n'],
    ['a header line without colon', 'GET / HTTP/1.1\r\nHost: h\r\nnonsense\r\n\r\n'],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n'],
    ['bare LF line ends', 'GET / HTTP/1.1\nHost: h\n\n\r\n\r\n'],
    ['a bare CR in a value', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n'],
    ['a NUL in a value', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n'],
    ['obs-text in a value', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: caf\xe9\r\n\r\n'],
    ['a non-token header name', 'GET / HTTP/1.1\r\nHost: h\r\nX(A): a\r\n\r\n'],
    ['too many headers', `GET / HTTP/1.1\r\nHost: h\r\n${'X-A: a\r\n'.repeat(100)}\r\n`],
    ['a head beyond the size limit', `GET / HTTP/1.1\r\nHost: h\r\nX-A: ${'a'.repeat(MAX_FAST_HEAD)}\r\n\r\n`],
    ['garbage', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n'],
  ])('%s', (_name, text) => {
    expect(parse(text)).toBe('unsupported');
  });

  it('an unfinished head is incomplete until it outgrows the limit', () => {
    expect(parse('GET / HTTP/1.1\r\nHost: h\r\n')).toBe('incomplete');
    expect(parse(`GET / HTTP/1.1\r\nX-A: ${'a'.repeat(MAX_FAST_HEAD)}`)).toBe('unsupported');
  });
});

describe('parseRequestHead: properties', () => {
  const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/).filter((n) => !/^(host|expect|upgrade|connection|content-length|proxy-connection|transfer-encoding)$/i.test(n));
  const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/);
  const target = fc.stringMatching(/^\/[\x21-\x7e]{0,40}$/);

  it('round-trips every head it is given in its accepted shape', () => {
    fc.assert(
      fc.property(fc.constantFrom('GET', 'HEAD'), target, value, fc.array(fc.tuple(token, value), { maxLength: 20 }), (method, t, host, headers) => {
        const text = `${method} ${t} HTTP/1.1\r\nHost: ${host}\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
        const r = parse(text);
        expect(r).toEqual({ method, target: t, host, rawHeaders: ['Host', host, ...headers.flat()], end: text.length });
      }),
    );
  });

  it('never throws and never reads past the blank line, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, withHead) => {
        const prefix = withHead ? Buffer.from('GET / HTTP/1.1\r\nHost: h\r\n') : Buffer.alloc(0);
        const buf = Buffer.concat([prefix, Buffer.from(bytes)]);
        const r = parseRequestHead(buf, 0);
        if (typeof r === 'object') {
          expect(r.end).toBeLessThanOrEqual(buf.length);
          expect(buf.toString('latin1', r.end - 4, r.end)).toBe('\r\n\r\n');
        }
      }),
    );
  });
});
