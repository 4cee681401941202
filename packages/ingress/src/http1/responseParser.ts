/**
 * A streaming HTTP/1.1 response parser for upstream connections: status line and headers, then a
 * body framed by Content-Length, chunked Transfer-Encoding or the connection's end. Hop-by-hop
 * headers (and `Server`/`Date`, which the router answers for, as nginx does) are dropped on the way.
 * Anything malformed throws UpstreamProtocolError: the connection is then unusable.
 */

import { MAX_RESPONSE_HEAD, ResponseHead } from './responseHead.js';
import { UpstreamProtocolError } from './upstreamProtocolError.js';

export { MAX_RESPONSE_HEAD, UpstreamProtocolError };

/** Where a parsed response goes. */
export interface ResponseSink {
  /**
   * The head of the final (non-1xx) response. `complete` is the whole body when it arrived with the
   * head (empty for responses without a body); null when the body follows through onBody/onEnd.
   */
  onHead?(status: number, reason: string, headers: string[], complete: Buffer | null): void;
  /**
   * Called instead of onHead when a sink has it, without strings: the head as byte ranges and
   * `complete` as a view of the bytes read. Both are valid during the call only. A sink has one of
   * the two.
   */
  onRawHead?(head: ResponseHead, complete: Buffer | null): void;
  onBody(chunk: Buffer): void;
  onEnd(): void;
}

const MAX_CHUNK_LINE = 1024;
const EMPTY = Buffer.alloc(0);
const BLANK_LINE = Buffer.from('\r\n\r\n');

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
  private state = State.Done;
  private readonly head = new ResponseHead();
  /** Where the blank line may start in `pending`, once a head came in pieces (0: not searched yet). */
  private headSearchFrom = 0;
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
    this.headSearchFrom = 0;
    this.keepAlive = true;
  }

  /** The endpoint's `Keep-Alive: timeout=N`, in ms, when it sent one. */
  get keepAliveHintMs(): number | undefined {
    return this.head.keepAliveHintMs;
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
          // A head that came in pieces is parsed again only once its blank line is there.
          const waiting = this.headSearchFrom > 0 && buf.indexOf(BLANK_LINE, pos + this.headSearchFrom) < 0;
          if (waiting && buf.length - pos > MAX_RESPONSE_HEAD) throw new UpstreamProtocolError(`the response head exceeds ${MAX_RESPONSE_HEAD} bytes`);
          const bodyStart = waiting ? -1 : this.head.parse(buf, pos);
          if (bodyStart < 0) {
            this.pending = keep(buf, pos, buf.length);
            this.headSearchFrom = Math.max(1, buf.length - pos - 3);
            return;
          }
          this.headSearchFrom = 0;
          pos = this.afterHead(buf, bodyStart, keep);
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

  /** Acts on the parsed head (body framing, keep-alive) and tells the sink; returns where the body starts. */
  private afterHead(buf: Buffer, pos: number, keep: typeof viewOf): number {
    const h = this.head;
    const code = h.status;
    if (code < 200) {
      // 1xx (100 Continue, 103 Early Hints): interim, the final response follows. 101 was not asked for.
      if (code === 101) throw new UpstreamProtocolError('101 Switching Protocols to a request without Upgrade');
      return pos;
    }
    this.keepAlive = h.keepAlive;
    const sink = this.sink!;
    if (this.noBody || code === 204 || code === 304) {
      this.state = State.Done;
      this.sink = undefined;
      this.tell(sink, EMPTY, keep);
      return pos;
    }
    if (h.chunked || h.otherCoding) {
      // Transfer-Encoding overrides Content-Length (RFC 9112 6.3); such a message ends the connection.
      if (h.contentLength >= 0) {
        this.keepAlive = false;
        h.dropContentLength();
      }
      if (h.otherCoding && !h.chunked) {
        this.keepAlive = false;
        this.state = State.UntilClose;
      } else this.state = State.ChunkSize;
      this.tell(sink, null, keep);
      return pos;
    }
    const length = h.contentLength;
    if (length < 0) {
      this.keepAlive = false;
      this.state = State.UntilClose;
      this.tell(sink, null, keep);
      return pos;
    }
    if (buf.length - pos >= length) {
      this.state = State.Done;
      this.sink = undefined;
      this.tell(sink, length === 0 ? EMPTY : buf.subarray(pos, pos + length), keep);
      return pos + length;
    }
    this.state = State.Length;
    this.remaining = length;
    this.tell(sink, null, keep);
    return pos;
  }

  /** onRawHead with views when the sink takes them, else onHead with strings and a body it may keep. */
  private tell(sink: ResponseSink, body: Buffer | null, keep: typeof viewOf): void {
    const h = this.head;
    if (sink.onRawHead) sink.onRawHead(h, body);
    else sink.onHead!(h.status, h.reason(), h.headers(), body === null || body.length === 0 ? body : keep(body, 0, body.length));
  }
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
