import { describe, expect, it } from 'vitest';
import { BodyFraming, proxiedResponseHead } from './clientResponseHead.js';

describe('proxiedResponseHead', () => {
  const lines = 'Connection: keep-alive\r\n';
  it.each([
    ['a control character', ['X-A', 'a\x01b']],
    ['a bare CR', ['X-A', 'a\rb']],
    ['a bare LF', ['X-A', 'a\nb']],
    ['a trailing CR', ['X-A', 'a\r']],
    ['a leading LF', ['X-A', '\nb']],
    ['DEL', ['X-A', '\x7f']],
  ])('refuses a value with %s, as node:http does', (_name, headers) => {
    expect(proxiedResponseHead(200, 'OK', headers, BodyFraming.Length, lines)).toBeUndefined();
  });

  it('refuses a reason phrase with a control character', () => {
    expect(proxiedResponseHead(200, 'O\x00K', [], BodyFraming.Length, lines)).toBeUndefined();
  });

  it('passes obs-text and tabs, appends Server, Date and the connection lines, frames chunked bodies', () => {
    const head = proxiedResponseHead(200, '', ['X-A', 'caf\xe9\tok', 'Content-Type', 'text/plain'], BodyFraming.Chunked, lines)!;
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\nX-A: caf\xe9\tok\r\nContent-Type: text\/plain\r\nServer: svcnet-ingress\r\nDate: [^\r]+ GMT\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n$/);
  });
});
