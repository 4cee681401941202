/**
 * An endpoint's response head, read straight from the connection's bytes: no string per line, name
 * or value. The fields the router passes on are kept as byte ranges into the read buffer, so the
 * fast path copies them into the client's answer (clientResponseHead.ts clientAnswer) and only the
 * http-server path pays for strings (`headers()`). One pass looks at each byte once: a line's name
 * up to its colon, then its value up to CRLF. (Measured with packages/ingress/bench/response-path.ts: this
 * beat both the string parser it replaced and a variant on a latin1 string with indexOf.)
 *
 * The rules are those of the string parser: a name is a token up to the first colon, the value
 * loses leading SP/HT and then, when it starts or ends with one, whatever String#trim takes (TAB,
 * LF, VT, FF, CR, SP, NBSP); lines end at CRLF only.
 */

import { UpstreamProtocolError } from './upstreamProtocolError.js';

/** Response head limit (the endpoint's status line and headers), as undici's and Node's 16 KiB. */
export const MAX_RESPONSE_HEAD = 16 * 1024;

/** tchar (RFC 9110 5.6.2): what a header name may hold. */
const TOKEN_BYTE = byteClass((c) => c > 32 && c < 127 && !'"(),/:;<=>?@[\\]{}'.includes(String.fromCharCode(c)));
/** 1 for what node:http refuses in a header value or reason phrase: controls but TAB, and DEL. */
const REFUSED_BYTE = byteClass((c) => c !== 9 && (c < 32 || c === 127));
/** The latin1 characters String#trim removes. */
const JS_SPACE = byteClass((c) => c === 32 || (c >= 9 && c <= 13) || c === 160);

function byteClass(test: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = test(c) ? 1 : 0;
  return t;
}

/** Header names the parser acts on or drops: the router answers for Server and Date, as nginx does. */
const enum Special {
  None,
  ContentLength,
  TransferEncoding,
  Connection,
  KeepAlive,
  Dropped,
}

const SPECIAL_NAMES: [string, Special][] = [
  ['content-length', Special.ContentLength],
  ['transfer-encoding', Special.TransferEncoding],
  ['connection', Special.Connection],
  ['keep-alive', Special.KeepAlive],
  ['proxy-connection', Special.Dropped],
  ['trailer', Special.Dropped],
  ['upgrade', Special.Dropped],
  ['server', Special.Dropped],
  ['date', Special.Dropped],
];
/** By length, as bytes: a name of another length is never compared. */
const BY_LENGTH: [Uint8Array, Special][][] = Array.from({ length: 32 }, () => []);
for (const [name, kind] of SPECIAL_NAMES) BY_LENGTH[name.length]!.push([Buffer.from(name, 'latin1'), kind]);

/** Which special header buf[start, end) names (ASCII case-insensitive), if any. */
function specialName(buf: Uint8Array, start: number, end: number): Special {
  const n = end - start;
  if (n >= 32) return Special.None;
  const candidates = BY_LENGTH[n]!;
  for (let k = 0; k < candidates.length; k++) if (equalsLower(buf, start, end, candidates[k]![0])) return candidates[k]![1];
  return Special.None;
}

type Latin1Slicer = { latin1Slice(start: number, end: number): string };

/** buf.toString('latin1', start, end) without its argument handling (Buffer's own latin1Slice). */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  return (buf as unknown as Latin1Slicer).latin1Slice(start, end);
}

/**
 * One parsed head, reused by its parser from response to response. Ranges point into `buf`, which
 * is only valid during the sink's onRawHead call: copy what must outlive it.
 */
export class ResponseHead {
  buf: Buffer = Buffer.alloc(0);
  status = 0;
  http10 = false;
  /** The status line is buf[start, reasonEnd); the reason phrase buf[reasonStart, reasonEnd). */
  start = 0;
  reasonStart = 0;
  reasonEnd = 0;
  /** Passed-on fields, in order: [nameStart, nameEnd, valueStart, valueEnd] each. */
  fields = new Int32Array(64);
  count = 0;
  /** A passed-on value or the reason phrase holds a byte node:http would refuse to send. */
  unsendable = false;
  /** Content-Length, or -1. */
  contentLength = -1;
  chunked = false;
  /** A Transfer-Encoding other than chunked: the body runs to the connection's end. */
  otherCoding = false;
  keepAlive = true;
  /** `Keep-Alive: timeout=N` in ms, when the endpoint sent one (kept across responses). */
  keepAliveHintMs: number | undefined;

  reason(): string {
    return latin1(this.buf, this.reasonStart, this.reasonEnd);
  }

  /** The passed-on fields as flat [name, value, ...] strings (for node:http's writeHead). */
  headers(): string[] {
    const out: string[] = new Array(this.count * 2);
    const f = this.fields;
    for (let i = 0; i < this.count; i++) {
      out[2 * i] = latin1(this.buf, f[4 * i]!, f[4 * i + 1]!);
      out[2 * i + 1] = latin1(this.buf, f[4 * i + 2]!, f[4 * i + 3]!);
    }
    return out;
  }

  /** Drops the Content-Length field(s) (Transfer-Encoding overrides it, RFC 9112 6.3). */
  dropContentLength(): void {
    const f = this.fields;
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      if (specialName(this.buf, f[4 * i]!, f[4 * i + 1]!) === Special.ContentLength) continue;
      if (kept !== i) f.copyWithin(4 * kept, 4 * i, 4 * i + 4);
      kept++;
    }
    this.count = kept;
    this.contentLength = -1;
  }

  /**
   * Parses the head starting at buf[start]. Returns the offset just past its blank line, or -1 when
   * `buf` ends before it (the caller waits for more bytes and parses again).
   */
  parse(buf: Buffer, start: number): number {
    const len = buf.length;
    this.buf = buf;
    this.start = start;
    this.count = 0;
    this.unsendable = false;
    this.contentLength = -1;
    this.chunked = false;
    this.otherCoding = false;
    let pos = this.statusLine(buf, start, len);
    if (pos < 0) return -1;
    this.keepAlive = !this.http10;
    while (pos + 1 < len) {
      if (buf[pos] === 13 && buf[pos + 1] === 10) {
        if (pos - 2 - start > MAX_RESPONSE_HEAD) break; // the head ends at pos - 2, its blank line's CRLFCRLF
        return pos + 2;
      }
      if (pos - start > MAX_RESPONSE_HEAD) break;
      let colon = pos;
      while (colon < len && TOKEN_BYTE[buf[colon]!] === 1) colon++;
      if (colon === len) break;
      if (colon === pos || buf[colon] !== 58) {
        const eol = buf.indexOf('\r\n', pos, 'latin1');
        throw new UpstreamProtocolError(`bad header line ${JSON.stringify(latin1(buf, pos, Math.min(eol < 0 ? len : eol, pos + 100)))}`);
      }
      let vs = colon + 1;
      while (vs < len && (buf[vs] === 32 || buf[vs] === 9)) vs++;
      let ve = vs;
      let refused = 0;
      while (ve + 1 < len && !(buf[ve] === 13 && buf[ve + 1] === 10)) refused |= REFUSED_BYTE[buf[ve++]!]!;
      if (ve + 1 >= len) break;
      const next = ve + 2;
      if (vs < ve && (JS_SPACE[buf[vs]!] === 1 || JS_SPACE[buf[ve - 1]!] === 1)) {
        // What String#trim takes goes, and only what is left must be sendable.
        while (vs < ve && JS_SPACE[buf[vs]!] === 1) vs++;
        while (ve > vs && JS_SPACE[buf[ve - 1]!] === 1) ve--;
        refused = 0;
        for (let k = vs; k < ve; k++) refused |= REFUSED_BYTE[buf[k]!]!;
      }
      this.field(buf, pos, colon, vs, ve, refused === 1);
      pos = next;
    }
    if (pos - start > MAX_RESPONSE_HEAD || len - start > MAX_RESPONSE_HEAD) throw new UpstreamProtocolError(`the response head exceeds ${MAX_RESPONSE_HEAD} bytes`);
    return -1;
  }

  /** The status line; returns where the header lines start, or -1 when it is not all there yet. */
  private statusLine(buf: Buffer, start: number, len: number): number {
    let end = start;
    while (end + 1 < len && !(buf[end] === 13 && buf[end + 1] === 10)) end++;
    if (end + 1 >= len) return -1;
    const n = end - start;
    // "HTTP/1.x NNN" then, when there is more, a space and the reason.
    const ok =
      n >= 12 &&
      buf[start] === 72 && buf[start + 1] === 84 && buf[start + 2] === 84 && buf[start + 3] === 80 && // HTTP
      buf[start + 4] === 47 && buf[start + 5] === 49 && buf[start + 6] === 46 && // /1.
      buf[start + 8] === 32 && isDigit(buf[start + 9]!) && isDigit(buf[start + 10]!) && isDigit(buf[start + 11]!) &&
      (n === 12 || buf[start + 12] === 32);
    const code = ok ? (buf[start + 9]! - 48) * 100 + (buf[start + 10]! - 48) * 10 + (buf[start + 11]! - 48) : 0;
    if (code < 100) throw new UpstreamProtocolError(`bad status line ${JSON.stringify(latin1(buf, start, Math.min(end, start + 100)))}`);
    this.status = code;
    this.http10 = buf[start + 7] === 48;
    this.reasonStart = n > 12 ? start + 13 : end;
    this.reasonEnd = end;
    for (let k = this.reasonStart; k < end; k++) if (REFUSED_BYTE[buf[k]!] === 1) this.unsendable = true;
    return end + 2;
  }

  /** One header field: name buf[start, colon), value buf[vs, ve) (trimmed). */
  private field(buf: Buffer, start: number, colon: number, vs: number, ve: number, refused: boolean): void {
    switch (specialName(buf, start, colon)) {
      case Special.None:
        this.keep(start, colon, vs, ve, refused);
        return;
      case Special.ContentLength: {
        const n = ve - vs;
        let v = n >= 1 && n <= 15 ? 0 : -1;
        for (let k = vs; v >= 0 && k < ve; k++) v = isDigit(buf[k]!) ? v * 10 + buf[k]! - 48 : -1;
        if (v < 0 || (this.contentLength >= 0 && v !== this.contentLength)) {
          throw new UpstreamProtocolError(`bad Content-Length ${JSON.stringify(latin1(buf, vs, Math.min(ve, vs + 40)))}`);
        }
        this.contentLength = v;
        this.keep(start, colon, vs, ve, refused);
        return;
      }
      case Special.TransferEncoding:
        if (/(?:^|,)\s*chunked\s*$/i.test(latin1(buf, vs, ve))) this.chunked = true;
        else this.otherCoding = true;
        return;
      case Special.Connection: {
        // The two values endpoints send, on bytes; anything else as a lower-cased string.
        if (equalsLower(buf, vs, ve, KEEP_ALIVE)) {
          if (this.http10) this.keepAlive = true;
          return;
        }
        if (equalsLower(buf, vs, ve, CLOSE)) {
          this.keepAlive = false;
          return;
        }
        const v = latin1(buf, vs, ve).toLowerCase();
        if (v.includes('close')) this.keepAlive = false;
        else if (this.http10 && v.includes('keep-alive')) this.keepAlive = true;
        return;
      }
      case Special.KeepAlive: {
        const seconds = keepAliveTimeout(buf, vs, ve);
        if (seconds >= 0) this.keepAliveHintMs = seconds * 1000;
        return;
      }
      case Special.Dropped:
        return;
    }
  }

  private keep(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number, refused: boolean): void {
    if (this.count * 4 === this.fields.length) {
      const grown = new Int32Array(this.fields.length * 2);
      grown.set(this.fields);
      this.fields = grown;
    }
    const f = this.fields;
    const i = this.count++ * 4;
    f[i] = nameStart;
    f[i + 1] = nameEnd;
    f[i + 2] = valueStart;
    f[i + 3] = valueEnd;
    if (refused) this.unsendable = true;
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

const KEEP_ALIVE = Buffer.from('keep-alive', 'latin1');
const CLOSE = Buffer.from('close', 'latin1');
const TIMEOUT = Buffer.from('timeout', 'latin1');

/** Whether buf[start, end) is `lower` (lower-case ASCII) in any ASCII case. */
function equalsLower(buf: Uint8Array, start: number, end: number, lower: Uint8Array): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const c = buf[start + i]!;
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== lower[i]) return false;
  }
  return true;
}

/**
 * The N of the first `timeout = N` in a Keep-Alive value (what `/timeout\s*=\s*(\d+)/i` finds, on
 * bytes: \s in latin1 is JS_SPACE), or -1.
 */
export function keepAliveTimeout(buf: Uint8Array, vs: number, ve: number): number {
  for (let i = vs; i + 7 <= ve; i++) {
    if (!equalsLower(buf, i, i + 7, TIMEOUT)) continue;
    let j = i + 7;
    while (j < ve && JS_SPACE[buf[j]!] === 1) j++;
    if (j === ve || buf[j] !== 61) continue; // '='
    j++;
    while (j < ve && JS_SPACE[buf[j]!] === 1) j++;
    const digits = j;
    let v = 0;
    for (; j < ve && isDigit(buf[j]!); j++) v = v * 10 + buf[j]! - 48;
    if (j === digits) continue;
    // Past 15 digits the sum may round differently from Number's parse.
    return j - digits > 15 ? Number(latin1(buf, digits, j)) : v;
  }
  return -1;
}
