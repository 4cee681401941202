import type { Socket } from 'node:net';
import { BodyFraming, errorResponse, hasContentLength, proxiedResponseHead } from './clientResponseHead.js';
import type { Routed } from './proxyHandler.js';
import type { ProxyContext } from './proxyContext.js';
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

/** Bodies up to this size leave with the head in one string write (a copy is cheaper than writev). */
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

  onHead(status: number, reason: string, headers: string[], complete: Buffer | null): void {
    if (this.done) return;
    const noBody = this.headOnly || status === 204 || status === 304;
    this.framing = noBody ? BodyFraming.None : hasContentLength(headers) ? BodyFraming.Length : BodyFraming.Chunked;
    const head = proxiedResponseHead(status, reason, headers, this.framing, this.client.connectionLines);
    if (head === undefined) {
      this.conn?.destroy();
      this.fail(502, "the endpoint's response head cannot be passed on: it holds a character HTTP does not allow");
      return;
    }
    this.status = status;
    this.headSent = true;
    const socket = this.client.socket;
    if (complete === null) {
      socket.write(head, 'latin1');
      return;
    }
    const n = complete.length;
    if (this.framing === BodyFraming.None || n === 0) socket.write(this.framing === BodyFraming.Chunked ? head + CHUNKED_END : head, 'latin1');
    else if (n <= INLINE_BODY) {
      const body = complete.toString('latin1');
      socket.write(this.framing === BodyFraming.Chunked ? `${head}${n.toString(16)}\r\n${body}\r\n${CHUNKED_END}` : head + body, 'latin1');
    } else {
      socket.cork();
      socket.write(this.framing === BodyFraming.Chunked ? `${head}${n.toString(16)}\r\n` : head, 'latin1');
      socket.write(complete);
      if (this.framing === BodyFraming.Chunked) socket.write(`\r\n${CHUNKED_END}`, 'latin1');
      socket.uncork();
    }
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
