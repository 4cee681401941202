import type { Socket } from 'node:net';
import { BodyFraming, clientAnswer, errorResponse } from './clientResponseHead.js';
import { writeOutput } from './outputBuffer.js';
import type { Routed } from './proxyHandler.js';
import type { ProxyContext } from './proxyContext.js';
import type { ResponseHead } from './responseHead.js';
import { UpstreamAttempt } from './upstreamAttempt.js';
import type { UpstreamConnection } from './upstreamConnection.js';

/** What a fast exchange needs from the client connection it answers on. */
export interface FastClient {
  readonly socket: Socket;
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
    const socket = this.client.socket;
    const inline = complete !== null && complete.length <= INLINE_BODY;
    const answer = clientAnswer(h, this.framing, this.client.connectionLines, inline ? complete : null, socket);
    if (answer === undefined) {
      this.conn?.destroy();
      this.fail(502, "the endpoint's response head cannot be passed on: it holds a character HTTP does not allow");
      return;
    }
    this.status = status;
    this.headSent = true;
    if (complete === null || inline) {
      writeOutput(socket, answer.buf, answer.length);
      if (complete !== null) this.finish();
      return;
    }
    // A large body that came whole: the head, then the body (copied: it is a view of the read buffer).
    const n = complete.length;
    const chunked = this.framing === BodyFraming.Chunked;
    socket.cork();
    writeOutput(socket, answer.buf, answer.length);
    if (chunked) socket.write(`${n.toString(16)}\r\n`, 'latin1');
    socket.write(Buffer.from(complete));
    if (chunked) socket.write(`\r\n${CHUNKED_END}`, 'latin1');
    socket.uncork();
    this.finish();
  }

  onBody(chunk: Buffer): void {
    if (this.done || chunk.length === 0) return;
    const socket = this.client.socket;
    let ok: boolean;
    if (this.framing === BodyFraming.Chunked) {
      socket.cork();
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      ok = socket.write('\r\n', 'latin1');
      socket.uncork();
    } else ok = socket.write(chunk);
    // The client reads slower than the endpoint sends: stop reading upstream until 'drain'.
    if (!ok) this.conn!.pause();
  }

  /** The client socket drained. */
  clientDrained(): void {
    if (!this.done) this.conn?.resume();
  }

  onEnd(): void {
    if (this.done) return;
    if (this.framing === BodyFraming.Chunked) this.client.socket.write(CHUNKED_END, 'latin1');
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
    const socket = this.client.socket;
    if (!socket.destroyed) socket.write(errorResponse(status, this.requestId, this.client.connectionLines), 'latin1');
    this.observe(status);
    this.client.exchangeDone();
  }
}
