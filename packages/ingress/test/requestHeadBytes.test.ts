import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TrustedProxies } from '../src/http1/clientAddress.js';
import { forwardRequestHeaders, requestHead } from '../src/http1/forwardHeaders.js';
import { normaliseRequestPath } from '../src/routes/paths.js';
import { parseRequestHead, scanRequestHead } from '../src/http1/requestHeadParser.js';
import type { RequestHeadScan } from '../src/http1/requestHeadParser.js';
import { UpstreamHeadWriter } from '../src/http1/upstreamRequestHead.js';
import { legacyParseRequestHead } from './legacyRequestHead.js';

/**
 * The fast path's byte scanner and upstream head builder against the string path they replace
 * (the regex parser kept in legacyRequestHead.ts, forwardRequestHeaders and requestHead, which
 * node:http's path still uses): the same decision for every head, and for every head the fast path
 * takes, byte-identical upstream heads.
 */

const TRUSTED = ['10.0.0.0/8', '::1'];
const PEERS = ['192.0.2.1', '10.0.0.9', '::ffff:10.0.0.9', '::1', '2001:db8::7'];

interface Options {
  start?: number;
  peer?: string;
  trusted?: readonly string[];
  port?: number;
}

/** Runs both paths on one head; returns the upstream head when the fast path takes it. */
function compare(buf: Buffer, opts: Options = {}): string | undefined {
  const start = opts.start ?? 0;
  const old = legacyParseRequestHead(buf, start);
  const scan = scanRequestHead(buf, start);
  if (typeof old === 'string') {
    expect(scan).toBe(old);
    expect(parseRequestHead(buf, start)).toBe(old);
    return undefined;
  }
  expect(typeof scan).toBe('object');
  expect(parseRequestHead(buf, start)).toEqual(old);
  const s = scan as RequestHeadScan;
  expect([s.method, s.end, buf.toString('latin1', s.targetStart, s.targetEnd), buf.toString('latin1', s.hostStart, s.hostEnd)]).toEqual([old.method, old.end, old.target, old.host]);
  let forward: string;
  try {
    forward = normaliseRequestPath(old.target).forward;
  } catch {
    return undefined; // answered 400 by routing: no upstream head
  }
  const peer = opts.peer ?? '192.0.2.1';
  const trusted = new TrustedProxies(opts.trusted ?? []);
  const port = opts.port ?? 8080;
  const writer = new UpstreamHeadWriter(peer, trusted, port, 'http');
  const forwardBytes = forward === old.target ? undefined : Buffer.from(forward, 'latin1');
  let out = '';
  // Twice: the second head reuses the connection's encoded X-Forwarded-* lines.
  for (let i = 0; i < 2; i++) {
    const bytes = writer.write(s, forwardBytes);
    expect(writer.requestId).toMatch(/^[0-9a-f]{32}$/);
    const fwd = forwardRequestHeaders(old.rawHeaders, { peer, proto: 'http', localPort: port, requestId: writer.requestId, trusted });
    out = bytes.toString('latin1');
    expect(out).toBe(requestHead(old.method, forward, fwd.headers, false));
  }
  return out;
}

const head = (lines: string[], target = '/', method = 'GET'): string => `${method} ${target} HTTP/1.1\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;

const TAKEN: [string, string][] = [
  ['wrk', head(['Host: bench.example.com'], '/app/items?id=1')],
  [
    'browser',
    head(
      [
        'Host: bench.example.com',
        'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
        'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
        'Accept-Language: en-US,en;q=0.5',
        'Connection: keep-alive',
        'Cookie: session=0123456789abcdef; theme=dark',
        'Priority: u=0, i',
      ],
      '/app/items/42?view=full&lang=en',
    ),
  ],
  ['HEAD, lower-case host', head(['host: h'], '/', 'HEAD')],
  ['Host with a port and OWS', head(['HOST:\t web.test:8080 \t', 'Accept: */*'])],
  ['no space after the colon', head(['Host:h', 'X-A:v'])],
  ['two spaces and trailing OWS', head(['Host: h', 'X-A:  v 1 \t', 'X-B: v\t'])],
  ['empty values', head(['Host: h', 'X-Empty:', 'X-Space: ', 'X-Tabs:\t\t'])],
  ['every hop-by-hop header the fast path takes', head(['Connection: Keep-Alive', 'Host: h', 'keep-alive: timeout=5', 'TE: trailers', 'Trailer: X-T', 'CONNECTION:keep-alive '])],
  ['X-Real-IP is the router\'s own', head(['Host: h', 'X-Real-IP: 6.6.6.6', 'x-real-ip:7.7.7.7'])],
  ['X-Forwarded-For, once and twice', head(['Host: h', 'X-Forwarded-For: 198.51.100.7, 10.0.0.5', 'x-forwarded-for:  10.0.0.6 '])],
  ['an empty X-Forwarded-For', head(['Host: h', 'X-Forwarded-For:'])],
  ['an empty then a real X-Forwarded-For', head(['Host: h', 'X-Forwarded-For:', 'X-Forwarded-For: 10.1.1.1'])],
  ['X-Forwarded-Host/-Port/-Proto', head(['Host: h', 'X-Forwarded-Host: public.test', 'X-Forwarded-Port: 443', 'X-Forwarded-Proto: https', 'X-FORWARDED-PROTO: wss'])],
  ['an empty X-Forwarded-Host', head(['Host: h', 'X-Forwarded-Host:'])],
  ['the client\'s X-Request-ID', head(['Host: h', 'X-Request-ID: abc-123'])],
  ['an empty X-Request-ID', head(['Host: h', 'x-request-id:  '])],
  ['Connection: close (the client connection ends after the answer)', head(['Host: h', 'Connection: close'])],
  ['Connection: close among keep-alive lines', head(['Host: h', 'Connection: keep-alive', 'connection: Close'])],
  ['names that only look special', head(['Host: h', 'Hosts: x', 'Te: x', 'TEA: x', 'X-Forwarded-Fo: x', 'X-Forwarded-Hostx: y', 'Connectio: close', 'Upgrade-Insecure-Requests: 1', 'Expected: 1'])],
  ['a target to normalise', head(['Host: h'], '/a/./b/../c//d?q=/../x')],
  ['percent-escapes', head(['Host: h'], '/%7Efoo/%41%2F?x=%zz')],
  ['a long target', head(['Host: h'], `/${'seg/'.repeat(60)}end`)],
  ['a long value', head(['Host: h', `X-Long: ${'v'.repeat(3000)}`, 'X-After: 1'])],
  ['many headers', head(['Host: h', ...Array.from({ length: 99 }, (_, i) => `X-H${i}: ${i}`)])],
];

const NOT_TAKEN: [string, string][] = [
  ['POST', head(['Host: h'], '/', 'POST')],
  ['HTTP/1.0', 'GET / HTTP/1.0\r\nHost: h\r\n\r\n'],
  ['absolute-form', head(['Host: h'], 'http://h/')],
  ['obs-text in the target', head(['Host: h'], '/caf\xe9')],
  ['obs-text in a value', head(['Host: h', 'X-A: caf\xe9'])],
  ['obs-text in a name', head(['Host: h', 'X-\xe9: a'])],
  ['a DEL in a value', head(['Host: h', 'X-A: a\x7fb'])],
  ['a vertical tab in a value', head(['Host: h', 'X-A: a\x0bb'])],
  ['no Host', head(['Accept: */*'])],
  ['an empty Host', head(['Host: \t'])],
  ['two Hosts', head(['Host: a', 'HOST: a'])],
  ['Connection with tokens', head(['Host: h', 'Connection: keep-alive, X-Secret'])],
  ['Connection: upgrade', head(['Host: h', 'Connection: Upgrade', 'Upgrade: websocket'])],
  ['Content-Length: 0', head(['Host: h', 'content-length: 0'])],
  ['Transfer-Encoding', head(['Host: h', 'Transfer-Encoding: chunked'])],
  ['Expect', head(['Host: h', 'Expect: 100-continue'])],
  ['Proxy-Connection', head(['Host: h', 'Proxy-Connection: keep-alive'])],
  ['101 headers', head(['Host: h', ...Array.from({ length: 100 }, (_, i) => `X-H${i}: ${i}`)])],
  ['a head beyond 16 KiB', head(['Host: h', `X-A: ${'a'.repeat(16 * 1024)}`])],
  ['obs-fold', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n'],
  ['space before the colon', head(['Host : h'])],
  ['a bare LF', 'GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n'],
  ['incomplete', 'GET / HTTP/1.1\r\nHost: h\r\n'],
  ['incomplete, with a bad byte already', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: \x01'],
  ['incomplete request line', 'GET /abc'],
  ['empty', ''],
];

describe('the byte scanner and upstream head equal the string path', () => {
  it.each(TAKEN)('takes %s, with the same upstream head from every peer', (_name, text) => {
    for (const peer of PEERS) {
      for (const trusted of [[], TRUSTED]) expect(compare(Buffer.from(text, 'latin1'), { peer, trusted })).toBeDefined();
    }
  });

  it.each(NOT_TAKEN)('does not take %s (the same answer as before)', (_name, text) => {
    expect(compare(Buffer.from(text, 'latin1'))).toBeUndefined();
  });

  it('reads a pipelined head at an offset, with bytes after it, and a head ending its buffer', () => {
    for (const [, text] of TAKEN) {
      const before = 'GET /first HTTP/1.1\r\nHost: x\r\n\r\n';
      const buf = Buffer.from(`${before}${text}GET /next HTTP/1.1\r\n`, 'latin1');
      expect(compare(buf, { start: before.length })).toBeDefined();
      expect(compare(Buffer.from(`${text}GET /next`, 'latin1'))).toBeDefined();
    }
  });

  it('encodes the connection lines again when the Host changes', () => {
    const writer = new UpstreamHeadWriter('192.0.2.1', new TrustedProxies([]), 80, 'http');
    for (const host of ['a.test', 'b.test', 'b.test', 'a.test:80']) {
      const scan = scanRequestHead(Buffer.from(head([`Host: ${host}`]), 'latin1'), 0) as RequestHeadScan;
      expect(writer.write(scan, undefined).toString('latin1')).toContain(`\r\nX-Forwarded-Host: ${host}\r\nX-Forwarded-Port: 80\r\n`);
    }
  });
});

describe('properties: random heads', () => {
  const special = fc.constantFrom(
    'Host', 'host', 'Connection', 'keep-alive', 'TE', 'Trailer', 'X-Real-IP', 'X-Request-ID', 'X-Forwarded-For', 'x-forwarded-for',
    'X-Forwarded-Host', 'X-Forwarded-Port', 'X-Forwarded-Proto', 'Content-Length', 'Upgrade', 'Expect', 'Transfer-Encoding', 'Proxy-Connection',
  );
  const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,18}$/);
  const ows = fc.stringMatching(/^[ \t]{0,2}$/);
  const value = fc.oneof(fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e\t]{0,20}[\x21-\x7e])?$/), fc.constantFrom('', 'keep-alive', 'Keep-Alive', 'close', '10.0.0.1', 'a, b'));
  const line = fc.tuple(fc.oneof(special, token), ows, value, ows).map(([n, a, v, b]) => `${n}:${a}${v}${b}`);
  const target = fc.oneof(fc.stringMatching(/^\/[\x21-\x7e]{0,30}$/), fc.stringMatching(/^(\/(\.|\.\.|%2[eEfF]|%41|a|b)?){1,6}(\?[\x21-\x7e]{0,8})?$/));
  const heads = fc.tuple(fc.constantFrom('GET', 'HEAD'), target, value.filter((v) => v !== ''), fc.array(line, { maxLength: 14 }), fc.nat(15)).map(([method, t, host, lines, at]) => {
    lines.splice(Math.min(at, lines.length), 0, `Host: ${host}`);
    return head(lines, t, method);
  });

  it('the builder writes what requestHead(forwardRequestHeaders(...)) writes, for any header set and peer', () => {
    fc.assert(
      fc.property(heads, fc.constantFrom(...PEERS), fc.boolean(), (text, peer, trust) => {
        compare(Buffer.from(text, 'latin1'), { peer, trusted: trust ? TRUSTED : [] });
      }),
      { numRuns: 1500 },
    );
  });

  it('a head with one byte changed gets the old parser\'s answer', () => {
    fc.assert(
      fc.property(heads, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), (text, at, byte, cut) => {
        const buf = Buffer.from(text, 'latin1');
        buf[at % buf.length] = byte;
        compare(cut ? buf.subarray(0, at % buf.length) : buf);
      }),
      { numRuns: 1500 },
    );
  });
});
