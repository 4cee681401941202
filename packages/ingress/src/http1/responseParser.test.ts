import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResponseParser, UpstreamProtocolError } from './responseParser.js';
import type { ResponseSink } from './responseParser.js';

interface Seen {
  status?: number;
  reason?: string;
  headers?: string[];
  body: string;
  ended: boolean;
}

function sink(): ResponseSink & { seen: Seen } {
  const seen: Seen = { body: '', ended: false };
  return {
    seen,
    onHead(status, reason, headers, complete) {
      Object.assign(seen, { status, reason, headers });
      if (complete) {
        seen.body += complete.toString('latin1');
        seen.ended = true;
      }
    },
    onBody(chunk) {
      seen.body += chunk.toString('latin1');
    },
    onEnd() {
      seen.ended = true;
    },
  };
}

/** Parses `text` split into pieces of `step` bytes (every split point is exercised by the table). */
function parse(text: string, step: number, noBody = false, volatile = false) {
  const p = new ResponseParser();
  const s = sink();
  p.reset(s, noBody);
  const bytes = Buffer.from(text, 'latin1');
  const scratch = Buffer.alloc(bytes.length);
  for (let i = 0; i < bytes.length; i += step) {
    const piece = bytes.subarray(i, i + step);
    if (volatile) {
      piece.copy(scratch);
      p.execute(scratch.subarray(0, piece.length), true);
      scratch.fill(0x21); // what a reused read buffer would hold next
    } else p.execute(piece);
  }
  return { p, seen: s.seen };
}

const OK = 'HTTP/1.1 200 OK\r\n';
const table = [
  ['content-length', `${OK}Content-Length: 5\r\nX-A: 1\r\n\r\nhello`, 200, 'hello', true],
  ['empty content-length', `${OK}Content-Length: 0\r\n\r\n`, 200, '', true],
  ['chunked with extension and trailer', `${OK}Transfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n`, 200, 'hello world', true],
  ['204 has no body', 'HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n', 204, '', true],
  ['304 has no body', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n', 304, '', true],
  ['100 Continue then the response', `HTTP/1.1 100 Continue\r\n\r\n${OK}Content-Length: 2\r\n\r\nok`, 200, 'ok', true],
  ['no reason phrase', 'HTTP/1.1 404\r\nContent-Length: 1\r\n\r\nx', 404, 'x', true],
  ['connection close', `${OK}Connection: close\r\nContent-Length: 1\r\n\r\nx`, 200, 'x', false],
  ['HTTP/1.0 without keep-alive', 'HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx', 200, 'x', false],
  ['HTTP/1.0 with keep-alive', 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx', 200, 'x', true],
] as const;

describe('ResponseParser', () => {
  for (const step of [1, 3, 7, 1000]) {
    for (const volatile of [false, true]) {
      it.each(table)(`%s (pieces of ${step}, volatile ${volatile})`, (_name, text, status, body, keepAlive) => {
        const { p, seen } = parse(text, step, false, volatile);
        expect(seen.status).toBe(status);
        expect(seen.body).toBe(body);
        expect(seen.ended).toBe(true);
        expect(p.done).toBe(true);
        expect(p.keepAlive).toBe(keepAlive);
      });
    }
  }

  it('finds the end of heads of every length around the 1 KiB search window, and of long ones, in any split', () => {
    for (const pad of [...Array.from({ length: 40 }, (_, i) => 960 + i), 5000, 15_000]) {
      for (const step of [700, 1024, 100_000]) {
        const { seen, p } = parse(`${OK}X-Pad: ${'p'.repeat(pad)}\r\nContent-Length: 2\r\n\r\nok`, step, false, true);
        expect(seen.headers).toEqual(['X-Pad', 'p'.repeat(pad), 'Content-Length', '2']);
        expect(seen.body).toBe('ok');
        expect(p.done).toBe(true);
      }
    }
  });

  it('drops hop-by-hop headers, Server and Date; keeps the rest in order', () => {
    const { p, seen } = parse(`${OK}Server: x\r\nDate: y\r\nKeep-Alive: timeout=5\r\nConnection: keep-alive\r\nX-B: 2\r\nContent-Length: 0\r\nX-A: 1\r\n\r\n`, 1000);
    expect(seen.headers).toEqual(['X-B', '2', 'Content-Length', '0', 'X-A', '1']);
    expect(p.keepAliveHintMs).toBe(5000);
  });

  it('a body framed by the connection close ends at end()', () => {
    const { p, seen } = parse(`${OK}\r\nabc`, 2);
    expect(seen.ended).toBe(false);
    p.end();
    expect(seen).toMatchObject({ body: 'abc', ended: true });
    expect(p.keepAlive).toBe(false);
  });

  it('HEAD responses have no body even with Content-Length', () => {
    const { p, seen } = parse(`${OK}Content-Length: 10\r\n\r\n`, 1000, true);
    expect(seen).toMatchObject({ status: 200, body: '', ended: true });
    expect(p.done).toBe(true);
  });

  it('bytes after the response make the connection unusable', () => {
    const { p } = parse(`${OK}Content-Length: 1\r\n\r\nxEXTRA`, 1000);
    expect(p.keepAlive).toBe(false);
  });

  it('Transfer-Encoding wins over Content-Length, and the connection is not reused', () => {
    const { p, seen } = parse(`${OK}Content-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n`, 1000);
    expect(seen.body).toBe('x');
    expect(seen.headers).not.toContain('Content-Length');
    expect(p.keepAlive).toBe(false);
  });

  it.each([
    ['bad status line', 'HTTP/2 200 OK\r\n\r\n'],
    ['not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n'],
    ['status not three digits', 'HTTP/1.1 20 OK\r\n\r\n'],
    ['header without colon', `${OK}Broken\r\n\r\n`],
    ['header name with space', `${OK}Bad Name: x\r\n\r\n`],
    ['obsolete line folding', `${OK}X-A: 1\r\n folded\r\n\r\n`],
    ['non-numeric Content-Length', `${OK}Content-Length: 1x\r\n\r\n`],
    ['conflicting Content-Length', `${OK}Content-Length: 1\r\nContent-Length: 2\r\n\r\nx`],
    ['bad chunk size', `${OK}Transfer-Encoding: chunked\r\n\r\nzz\r\n`],
    ['chunk without CRLF', `${OK}Transfer-Encoding: chunked\r\n\r\n1\r\nxy`],
    ['101 without Upgrade asked', 'HTTP/1.1 101 Switching Protocols\r\n\r\n'],
    ['endless head', `${OK}X-A: ${'a'.repeat(20_000)}`],
  ])('%s is refused', (_name, text) => {
    expect(() => parse(text, 1000)).toThrow(UpstreamProtocolError);
  });

  it('a connection closed mid-body is an error', () => {
    const { p } = parse(`${OK}Content-Length: 10\r\n\r\nabc`, 1000);
    expect(() => p.end()).toThrow(/closed before the response was complete/);
  });

  /** The string rules the byte parser must keep, written the plain way. */
  function referenceHeaders(lines: string[]): string[] | 'invalid' {
    const dropped = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection', 'trailer', 'upgrade', 'server', 'date']);
    const out: string[] = [];
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon) : '';
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) return 'invalid';
      let value = line.slice(colon + 1).replace(/^[ \t]+/, '');
      if (/^[\t\n\v\f\r \xa0]|[\t\n\v\f\r \xa0]$/.test(value)) value = value.trim();
      if (!dropped.has(name.toLowerCase())) out.push(name, value);
    }
    return out;
  }

  it('reads names and values as the plain string rules do, in any split (property)', () => {
    const char = fc.constantFrom('a', 'B', '-', ':', ' ', '\t', '\xa0', '\x0b', '\r', '\n', '\xe9', '"', '(', '\x01');
    const line = fc
      .tuple(fc.constantFrom('X-A', 'x-b', 'Date', 'SERVER', 'Keep-Alive', 'Vary', 'X(1', '', 'a b'), fc.array(char, { maxLength: 10 }))
      .map(([n, cs]) => `${n}:${cs.join('')}`)
      .filter((l) => !l.includes('\r\n') && !l.endsWith('\r'));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), fc.integer({ min: 1, max: 40 }), (lines, step) => {
        const text = `${OK}${lines.map((l) => `${l}\r\n`).join('')}Content-Length: 2\r\n\r\nok`;
        const expected = referenceHeaders(lines);
        if (expected === 'invalid') {
          expect(() => parse(text, step, false, true)).toThrow(UpstreamProtocolError);
          return;
        }
        const { seen } = parse(text, step, false, true);
        expect(seen.headers).toEqual([...expected, 'Content-Length', '2']);
        expect(seen.body).toBe('ok');
      }),
      { numRuns: 300 },
    );
  });

  it('reads Connection and Keep-Alive values as the string rules do (property)', () => {
    const piece = fc.constantFrom('keep-alive', 'Keep-Alive', 'close', 'CLOSE', 'timeout', 'TimeOut', 'timeout=', 'max=', '=', ' ', '\t', '\xa0', ',', '5', '12', '0000000000000000012345', 'x', '\xe9', '-');
    const value = fc.array(piece, { maxLength: 8 }).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.boolean(), value, value, (http10, connection, keepAlive) => {
        const text = `HTTP/1.${http10 ? 0 : 1} 200 OK\r\nConnection:${connection}\r\nKeep-Alive:${keepAlive}\r\nContent-Length: 2\r\n\r\nok`;
        const trim = (v: string) => {
          const t = v.replace(/^[ \t]+/, '');
          return /^[\t\n\v\f\r \xa0]|[\t\n\v\f\r \xa0]$/.test(t) ? t.trim() : t;
        };
        const c = trim(connection).toLowerCase();
        const expectedKeepAlive = c.includes('close') ? false : http10 ? c.includes('keep-alive') : true;
        const m = /timeout\s*=\s*(\d+)/i.exec(trim(keepAlive));
        const { p } = parse(text, 1000);
        expect(p.keepAlive).toBe(expectedKeepAlive);
        expect(p.keepAliveHintMs).toBe(m ? Number(m[1]) * 1000 : undefined);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a status code that is not three digits, even one Number() would read', () => {
    expect(() => parse('HTTP/1.1 2e2 OK\r\n\r\n', 1000)).toThrow(/bad status line/);
  });
});
