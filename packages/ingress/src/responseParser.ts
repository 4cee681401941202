/**
 * A streaming HTTP/1.1 response parser for upstream connections: status line and headers, then a
 * body framed by Content-Length, chunked Transfer-Encoding or the connection's end. Hop-by-hop
 * headers (and `Server`/`Date`, which the router answers for, as nginx does) are dropped on the way.
 * Anything malformed throws UpstreamProtocolError: the connection is then unusable.
 */

import { findHeadEnd } from './headEnd.js';

export class UpstreamProtocolError extends Error {
  readonly code = 'UpstreamProtocol';
  constructor(reason: string) {
    super(`ingress: the endpoint sent an invalid HTTP response: ${reason}`);
  }
}

/** Where a parsed response goes. */
export interface ResponseSink {
  /**
   * The head of the final (non-1xx) response. `complete` is the whole body when it arrived with the
   * head (empty for responses without a body); null when the body follows through onBody/onEnd.
   */
  onHead(status: number, reason: string, headers: string[], complete: Buffer | null): void;
  onBody(chunk: Buffer): void;
  onEnd(): void;
}

/** Response head limit (the endpoint's status line and headers), as undici's and Node's 16 KiB. */
export const MAX_RESPONSE_HEAD = 16 * 1024;
const MAX_CHUNK_LINE = 1024;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const EMPTY = Buffer.alloc(0);
/** 1 at the lengths of the header names head() treats specially (date, server, trailer, upgrade, ...). */
const HANDLED_LENGTH = new Uint8Array(32);
for (const n of ['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection', 'trailer', 'upgrade', 'server', 'date']) HANDLED_LENGTH[n.length] = 1;

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  UntilClose,
  Done,
}

export class ResponseParser {
  /** Whether the connection may carry another request after this response. */
  keepAlive = true;
  /** The endpoint's `Keep-Alive: timeout=N`, in ms, when it sent one. */
  keepAliveHintMs: number | undefined;
  private state = State.Done;
  private sink: ResponseSink | undefined;
  private noBody = false;
  private pending: Buffer | undefined;
  private remaining = 0;

  /** Prepares for the response to one request (`noBody`: the request was HEAD). */
  reset(sink: ResponseSink, noBody: boolean): void {
    this.sink = sink;
    this.noBody = noBody;
    this.state = State.Head;
    this.pending = undefined;
    this.keepAlive = true;
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  /** True while waiting for the status line and headers. */
  get inHead(): boolean {
    return this.state === State.Head;
  }

  /**
   * Feeds bytes from the connection. Bytes after the end of the response make it unusable.
   * `volatile`: `data` is a read buffer that will be overwritten, so whatever outlives this call
   * (body chunks, a partial head) is copied.
   */
  execute(data: Buffer, volatile = false): void {
    let buf = data;
    const keep = volatile ? copyOf : viewOf;
    let pos = 0;
    if (this.pending) {
      buf = Buffer.concat([this.pending, data]);
      this.pending = undefined;
    }
    while (pos < buf.length) {
      switch (this.state) {
        case State.Head: {
          const found = findHeadEnd(buf, pos);
          if (!found) {
            if (buf.length - pos > MAX_RESPONSE_HEAD) throw new UpstreamProtocolError(`the response head exceeds ${MAX_RESPONSE_HEAD} bytes`);
            this.pending = keep(buf, pos, buf.length);
            return;
          }
          const end = found.at;
          if (end - pos > MAX_RESPONSE_HEAD) throw new UpstreamProtocolError(`the response head exceeds ${MAX_RESPONSE_HEAD} bytes`);
          pos = this.head(found.text.slice(0, end - pos), buf, end, keep);
          break;
        }
        case State.Length: {
          const n = Math.min(this.remaining, buf.length - pos);
          const chunk = keep(buf, pos, pos + n);
          pos += n;
          this.remaining -= n;
          this.sink!.onBody(chunk);
          if (this.remaining === 0) this.finish();
          break;
        }
        case State.ChunkSize:
        case State.Trailers: {
          const eol = buf.indexOf('\r\n', pos, 'latin1');
          if (eol < 0) {
            if (buf.length - pos > MAX_CHUNK_LINE) throw new UpstreamProtocolError('a chunk-size or trailer line is too long');
            this.pending = keep(buf, pos, buf.length);
            return;
          }
          const line = buf.toString('latin1', pos, eol);
          pos = eol + 2;
          if (this.state === State.Trailers) {
            if (line === '') this.finish();
            continue;
          }
          const size = parseChunkSize(line);
          if (size === 0) this.state = State.Trailers;
          else {
            this.remaining = size;
            this.state = State.ChunkData;
          }
          break;
        }
        case State.ChunkData: {
          const n = Math.min(this.remaining, buf.length - pos);
          const chunk = keep(buf, pos, pos + n);
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.state = State.ChunkEnd;
            this.remaining = 2;
          }
          this.sink!.onBody(chunk);
          break;
        }
        case State.ChunkEnd: {
          // The CRLF after chunk data, possibly split across reads.
          const expected = this.remaining === 2 ? 13 : 10;
          if (buf[pos] !== expected) throw new UpstreamProtocolError('chunk data is not followed by CRLF');
          pos++;
          if (--this.remaining === 0) this.state = State.ChunkSize;
          break;
        }
        case State.UntilClose:
          this.sink!.onBody(keep(buf, pos, buf.length));
          return;
        case State.Done:
          // An endpoint that sends more than the response asked for cannot be trusted with another request.
          this.keepAlive = false;
          return;
      }
    }
  }

  /** The connection ended: completes a response framed by the close, fails any other. */
  end(): void {
    if (this.state === State.UntilClose) {
      this.finish();
      return;
    }
    if (this.state !== State.Done) throw new UpstreamProtocolError('the connection closed before the response was complete');
  }

  private finish(): void {
    this.state = State.Done;
    const sink = this.sink!;
    this.sink = undefined;
    sink.onEnd();
  }

  /** Parses a head (`text`, which ends at buf[end]); returns where the body starts. */
  private head(text: string, buf: Buffer, end: number, keep: typeof viewOf): number {
    // Lines are walked with indexOf and names/values sliced straight from the head text: split()
    // and per-line strings made this function the parser's main cost (and the GC's).
    const statusEnd = text.indexOf('\r\n');
    const status = statusEnd < 0 ? text : text.slice(0, statusEnd);
    const code = status.length >= 12 && status.startsWith('HTTP/1.') && status.charCodeAt(8) === 32 ? Number(status.slice(9, 12)) : NaN;
    if (!(code >= 100 && code <= 999) || (status.length > 12 && status.charCodeAt(12) !== 32)) {
      throw new UpstreamProtocolError(`bad status line ${JSON.stringify(status.slice(0, 100))}`);
    }
    const http10 = status.charCodeAt(7) === 48; /* HTTP/1.0 */
    let keepAlive = !http10;
    let length = -1;
    let chunked = false;
    let otherCoding = false;
    const out: string[] = [];
    const limit = text.length + 2;
    for (let start = statusEnd < 0 ? limit : statusEnd + 2; start < limit; ) {
      let eol = text.indexOf('\r\n', start);
      if (eol < 0) eol = text.length;
      const colon = text.indexOf(':', start);
      const name = colon > start && colon < eol ? text.slice(start, colon) : '';
      if (!TOKEN.test(name)) throw new UpstreamProtocolError(`bad header line ${JSON.stringify(text.slice(start, Math.min(eol, start + 100)))}`);
      let vs = colon + 1;
      while (vs < eol && (text.charCodeAt(vs) === 32 || text.charCodeAt(vs) === 9)) vs++;
      let value = text.slice(vs, eol);
      // Same result as trim() (which also takes VT, FF, NBSP...), without its copy in the usual case.
      if (value.length > 0 && (isJsSpace(value.charCodeAt(0)) || isJsSpace(value.charCodeAt(value.length - 1)))) value = value.trim();
      start = eol + 2;
      // Only names as long as one handled below can be one of them: the rest skip toLowerCase.
      const lower = HANDLED_LENGTH[name.length] === 1 ? name.toLowerCase() : '';
      switch (lower) {
        case 'content-length': {
          const n = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
          if (Number.isNaN(n) || (length >= 0 && n !== length)) throw new UpstreamProtocolError(`bad Content-Length ${JSON.stringify(value.slice(0, 40))}`);
          length = n;
          out.push(name, value);
          continue;
        }
        case 'transfer-encoding':
          if (/(?:^|,)\s*chunked\s*$/i.test(value)) chunked = true;
          else otherCoding = true;
          continue;
        case 'connection': {
          const v = value.toLowerCase();
          if (v.includes('close')) keepAlive = false;
          else if (http10 && v.includes('keep-alive')) keepAlive = true;
          continue;
        }
        case 'keep-alive': {
          const m = /timeout\s*=\s*(\d+)/i.exec(value);
          if (m) this.keepAliveHintMs = Number(m[1]) * 1000;
          continue;
        }
        case 'proxy-connection':
        case 'trailer':
        case 'upgrade':
        case 'server':
        case 'date':
          continue;
      }
      out.push(name, value);
    }
    let pos = end + 4;
    if (code < 200) {
      // 1xx (100 Continue, 103 Early Hints): interim, the final response follows. 101 was not asked for.
      if (code === 101) throw new UpstreamProtocolError('101 Switching Protocols to a request without Upgrade');
      return pos;
    }
    this.keepAlive = keepAlive;
    const sink = this.sink!;
    if (this.noBody || code === 204 || code === 304) {
      this.state = State.Done;
      this.sink = undefined;
      sink.onHead(code, status.slice(13), out, EMPTY);
      return pos;
    }
    if (chunked || otherCoding) {
      // Transfer-Encoding overrides Content-Length (RFC 9112 6.3); such a message ends the connection.
      if (length >= 0) {
        this.keepAlive = false;
        for (let i = out.length - 2; i >= 0; i -= 2) if (out[i]!.toLowerCase() === 'content-length') out.splice(i, 2);
      }
      if (otherCoding && !chunked) {
        this.keepAlive = false;
        this.state = State.UntilClose;
      } else this.state = State.ChunkSize;
      sink.onHead(code, status.slice(13), out, null);
      return pos;
    }
    if (length < 0) {
      this.keepAlive = false;
      this.state = State.UntilClose;
      sink.onHead(code, status.slice(13), out, null);
      return pos;
    }
    if (buf.length - pos >= length) {
      this.state = State.Done;
      this.sink = undefined;
      sink.onHead(code, status.slice(13), out, length === 0 ? EMPTY : keep(buf, pos, pos + length));
      return pos + length;
    }
    this.state = State.Length;
    this.remaining = length;
    sink.onHead(code, status.slice(13), out, null);
    return pos;
  }
}

/** White space String#trim removes, within latin1: TAB, LF, VT, FF, CR, SP, NBSP. */
function isJsSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 160;
}

function viewOf(buf: Buffer, start: number, end: number): Buffer {
  return start === 0 && end === buf.length ? buf : buf.subarray(start, end);
}

function copyOf(buf: Buffer, start: number, end: number): Buffer {
  return Buffer.from(buf.subarray(start, end));
}

function parseChunkSize(line: string): number {
  const semi = line.indexOf(';');
  const hex = (semi >= 0 ? line.slice(0, semi) : line).trim();
  if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new UpstreamProtocolError(`bad chunk size ${JSON.stringify(line.slice(0, 40))}`);
  return parseInt(hex, 16);
}
