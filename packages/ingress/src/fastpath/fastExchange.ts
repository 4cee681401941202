import type { Socket } from 'node:net';
import { BodyFraming, clientAnswer, errorResponse } from '../http1/clientResponseHead.js';
import { copyBytes, crlf, outputBuffer, writeLatin1, writeOutput } from '../socket/outputBuffer.js';
import type { FastSocket } from '../socket/fastSocket.js';
import type { ProxyContext, Routed } from '../proxy/proxyContext.js';
import type { ResponseHead } from '../http1/responseHead.js';
import { UpstreamAttempt } from '../proxy/upstreamAttempt.js';
import type { UpstreamConnection } from '../upstream/upstreamConnection.js';

/** What a fast exchange needs from the client connection it answers on. */
export interface FastClient {
  readonly socket: Socket;
  /** Writes to the client (straight to its TCP handle where Node allows). */
  readonly out: FastSocket;
  /** `Connection`/`Keep-Alive` lines for response heads. */
  readonly connectionLines: string;
  /** The exchange is over (answered or failed); the connection may parse its next request. */
  exchangeDone(): void;
}

/** Bodies up to this size leave with the head in one write (a copy is cheaper than writev). */
const INLINE_BODY = 16 * 1024;
const CHUNKED_END = '0\r\n\r\n';

/**
 * One bodiless GET/HEAD proxied by the fast path: the same pool, retry and error rules as the
 * http-server path's Exchange (both are UpstreamAttempts), but the response is written to the
 * client socket directly.
 */
export class FastExchange extends UpstreamAttempt {
  private headSent = false;
  private framing = BodyFraming.None;
  private status = 0;

  constructor(
    ctx: ProxyContext,
    private readonly client: FastClient,
    routed: Extract<Routed, { kind: 'proxy' }>,
    private readonly head: string | Buffer,
    private readonly headOnly: boolean,
    requestId: string,
    started: number,
  ) {
    super(ctx, routed, requestId, started);
  }

  protected sendRequest(conn: UpstreamConnection): void {
    conn.send(this, this.head, this.headOnly, true);
  }

  protected canRetry(): boolean {
    return !this.client.socket.destroyed;
  }

  /** The endpoint's head (and whole body, when it came with it): one write to the client, built as bytes. */
  onRawHead(h: ResponseHead, complete: Buffer | null): void {
    if (this.done) return;
    const status = h.status;
    const noBody = this.headOnly || status === 204 || status === 304;
    this.framing = noBody ? BodyFraming.None : h.contentLength >= 0 ? BodyFraming.Length : BodyFraming.Chunked;
    const out = this.client.out;
    const inline = complete !== null && complete.length <= INLINE_BODY;
    const answer = clientAnswer(h, this.framing, this.client.connectionLines, inline ? complete : null, out);
    if (answer === undefined) {
      this.conn?.destroy();
      this.fail(502, "the endpoint's response head cannot be passed on: it holds a character HTTP does not allow");
      return;
    }
    this.status = status;
    this.headSent = true;
    if (complete === null || inline) {
      writeOutput(out, answer.buf, answer.length);
      if (complete !== null) this.finish();
      return;
    }
    // A large body that came whole: the head, then the body (copied: it is a view of the read buffer).
    const n = complete.length;
    const chunked = this.framing === BodyFraming.Chunked;
    writeOutput(out, answer.buf, answer.length);
    if (chunked) out.write(`${n.toString(16)}\r\n`);
    out.write(Buffer.from(complete));
    if (chunked) out.write(`\r\n${CHUNKED_END}`);
    this.finish();
  }

  onBody(chunk: Buffer): void {
    if (this.done || chunk.length === 0) return;
    const out = this.client.out;
    let ok: boolean;
    if (this.framing !== BodyFraming.Chunked) ok = out.write(chunk);
    else if (chunk.length <= INLINE_BODY) {
      // Size line, data and CRLF in one write.
      const hex = chunk.length.toString(16);
      const n = hex.length + chunk.length + 4;
      const buf = outputBuffer(out, n);
      let at = crlf(buf, writeLatin1(hex, buf, 0));
      at = crlf(buf, copyBytes(chunk, 0, chunk.length, buf, at));
      ok = writeOutput(out, buf, at);
    } else {
      out.write(`${chunk.length.toString(16)}\r\n`);
      out.write(chunk);
      ok = out.write('\r\n');
    }
    // The client reads slower than the endpoint sends: stop reading upstream until 'drain'.
    if (!ok) this.conn!.pause();
  }

  /** The client socket drained. */
  clientDrained(): void {
    if (!this.done) this.conn?.resume();
  }

  onEnd(): void {
    if (this.done) return;
    if (this.framing === BodyFraming.Chunked) this.client.out.write(CHUNKED_END);
    this.finish();
  }

  onDrain(): void {
    // No request body on the fast path.
  }

  private finish(): void {
    this.done = true;
    this.observe(this.status);
    this.client.exchangeDone();
  }

  protected responseStarted(): boolean {
    return this.headSent;
  }

  protected abortResponse(): void {
    // Part of the response is out: the client can only learn of the failure by the close.
    this.client.socket.destroy();
  }

  protected answerError(status: number): void {
    if (!this.client.socket.destroyed) this.client.out.write(errorResponse(status, this.requestId, this.client.connectionLines));
    this.observe(status);
    this.client.exchangeDone();
  }
}
