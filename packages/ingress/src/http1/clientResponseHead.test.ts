import { STATUS_CODES } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BodyFraming, clientAnswer, dateHeaderLine } from './clientResponseHead.js';
import { SERVER_HEADER } from './errorResponses.js';
import type { ResponseHead } from './responseHead.js';
import { ResponseParser } from './responseParser.js';

const LINES = 'Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n';
const idle = { holdsWrites: false };
/** Earlier bytes still queued: the answer gets a buffer of its own, of exactly the size computed. */
const busy = { holdsWrites: true };

/** Parses a raw endpoint response and builds the client's answer from its head, as the fast path does. */
function answerFor(
  raw: string,
  framing?: BodyFraming,
  out: { holdsWrites: boolean } = idle,
): { text: string | undefined; headers: string[]; status: number; reason: string; spare: number } {
  const parser = new ResponseParser();
  let text: string | undefined;
  let headers: string[] = [];
  let status = 0;
  let reason = '';
  let spare = 0;
  parser.reset(
    {
      onRawHead(h: ResponseHead, complete: Buffer | null) {
        const f = framing ?? (h.contentLength >= 0 ? BodyFraming.Length : BodyFraming.Chunked);
        const a = clientAnswer(h, f, LINES, complete, out);
        text = a && a.buf.toString('latin1', 0, a.length);
        spare = a ? a.buf.length - a.length : 0;
        headers = h.headers();
        status = h.status;
        reason = h.reason();
      },
      onBody() {},
      onEnd() {},
    },
    false,
  );
  parser.execute(Buffer.from(raw, 'latin1'), true);
  return { text, headers, status, reason, spare };
}

/**
 * What node:http's writeHead + end write for these arguments (the string code the byte builder
 * replaced, kept here as the reference): undefined where node:http refuses a value or reason.
 */
function reference(status: number, reason: string, headers: string[], framing: BodyFraming, body: string | null): string | undefined {
  let head = `HTTP/1.1 ${status} ${reason || STATUS_CODES[status] || 'unknown'}\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  if (/[^\t\x20-\x7e\x80-\xff\r\n]|\r(?!\n)|(?<!\r)\n/.test(head)) return undefined;
  head += `Server: ${SERVER_HEADER}\r\n${dateHeaderLine()}${LINES}`;
  head += framing === BodyFraming.Chunked ? 'Transfer-Encoding: chunked\r\n\r\n' : '\r\n';
  if (body === null || framing === BodyFraming.None) return head;
  if (framing === BodyFraming.Length) return head + body;
  return body === '' ? `${head}0\r\n\r\n` : `${head}${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
}

describe('clientAnswer', () => {
  it.each([
    ['a control character', 'X-A: a\x01b'],
    ['a bare CR', 'X-A: a\rb'],
    ['a bare LF', 'X-A: a\nb'],
    ['DEL', 'X-A: \x7f'],
    ['NUL', 'X-A: a\x00'],
  ])('refuses a passed-on value with %s, as node:http does', (_name, line) => {
    expect(answerFor(`HTTP/1.1 200 OK\r\n${line}\r\nContent-Length: 0\r\n\r\n`).text).toBeUndefined();
  });

  it('refuses a reason phrase with a control character', () => {
    expect(answerFor('HTTP/1.1 200 O\x00K\r\nContent-Length: 0\r\n\r\n').text).toBeUndefined();
  });

  it('ignores what node:http would refuse in a header the router drops, and what trimming takes away', () => {
    expect(answerFor('HTTP/1.1 200 OK\r\nDate: \x01\r\nServer: a\x7fb\r\nContent-Length: 0\r\n\r\n').text).toBeDefined();
    expect(answerFor('HTTP/1.1 200 OK\r\nX-A: \x0bb\x0c\r\nContent-Length: 0\r\n\r\n').headers).toEqual(['X-A', 'b', 'Content-Length', '0']);
  });

  it('passes obs-text and tabs, appends Server, Date and the connection lines, frames chunked bodies', () => {
    const { text } = answerFor('HTTP/1.0 200\r\nX-A: caf\xe9\tok\r\nContent-Type: text/plain\r\n\r\n', BodyFraming.Chunked);
    expect(text).toMatch(
      /^HTTP\/1\.1 200 OK\r\nX-A: caf\xe9\tok\r\nContent-Type: text\/plain\r\nServer: svcnet-ingress\r\nDate: [^\r]+ GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\n\r\n$/,
    );
  });

  it('writes a body that came whole after the head, framed by length or chunked', () => {
    expect(answerFor('HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello').text).toMatch(/^HTTP\/1\.1 201 Created\r\nContent-Length: 5\r\nServer: [^]*\r\n\r\nhello$/);
    const chunked = answerFor('HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n' + 'x'.repeat(17), BodyFraming.Chunked).text!;
    expect(chunked.endsWith(`\r\n\r\n11\r\n${'x'.repeat(17)}\r\n0\r\n\r\n`)).toBe(true);
  });

  it('an answer over the 32 KiB scratch buffer (a large head and a body that came with it) is whole', () => {
    const raw = `HTTP/1.1 200 OK\r\nX-Big: ${'h'.repeat(16_300)}\r\nContent-Length: 16384\r\n\r\n${'b'.repeat(16_384)}`;
    const { text, headers } = answerFor(raw);
    expect(text).toBe(reference(200, 'OK', headers, BodyFraming.Length, 'b'.repeat(16_384)));
  });

  // Header lines as an endpoint might send them: any token name (the special ones in any case),
  // values with odd white space, obs-text and characters node:http refuses.
  const name = fc.oneof(
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,20}$/),
    fc.constantFrom('Content-Type', 'X-Request-ID', 'SERVER', 'date', 'Connection', 'Keep-Alive', 'Trailer', 'Upgrade', 'Proxy-Connection', 'Set-Cookie'),
  );
  const valueChar = fc.constantFrom('a', 'Z', '0', ' ', '\t', ';', '=', ',', '"', '\xe9', '\xa0', '\x0b', '\x0c', '\x01', '\x7f', '\r', '\n');
  const value = fc.array(valueChar, { maxLength: 12 }).map((cs) => cs.join(''));
  const line = fc.tuple(name, fc.constantFrom(':', ': ', ':  ', ':\t'), value).filter(([, , v]) => !v.includes('\r\n') && !v.endsWith('\r'));

  it('is byte for byte what node:http writes for the same parsed head (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(200, 201, 204, 301, 404, 500, 599),
        fc.constantFrom('', 'OK', 'Not Found', 'Caf\xe9', 'a\x01b'),
        fc.array(line, { maxLength: 8 }),
        fc.constantFrom(BodyFraming.Length, BodyFraming.Chunked, BodyFraming.None),
        fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'b')),
        (status, reasonText, lines, framing, body) => {
          const headLines = lines.map(([n, sep, v]) => `${n}${sep}${v}\r\n`).join('');
          if (/content-length|transfer-encoding/i.test(headLines)) return;
          const raw = `HTTP/1.1 ${status}${reasonText ? ` ${reasonText}` : ''}\r\n${headLines}Content-Length: ${body.length}\r\n\r\n${body}`;
          const got = answerFor(raw, framing);
          const sentBody = status === 204 ? '' : body;
          expect(got.text).toBe(reference(got.status, got.reason, got.headers, framing, framing === BodyFraming.None ? null : sentBody));
          // With writes queued the answer is built in a buffer of the size it computed: exactly filled.
          const own = answerFor(raw, framing, busy);
          expect(own.text).toBe(got.text);
          if (own.text !== undefined) expect(own.spare).toBe(0);
        },
      ),
      { numRuns: 400 },
    );
  });
});
