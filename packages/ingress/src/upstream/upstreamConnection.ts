import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { FastSocket } from '../socket/fastSocket.js';
import { ResponseParser } from '../http1/responseParser.js';
import type { ResponseSink } from '../http1/responseParser.js';

const READ_BUFFER = 64 * 1024;
/** Request pieces up to this size together are joined into one write. */
const JOIN_LIMIT = 16 * 1024;

/** What one proxied exchange hears from its upstream connection. */
export interface ExchangeHandler extends ResponseSink {
  /** The connection failed (connect, reset, timeout, protocol); it is closed already. */
  onError(err: Error): void;
  /** The connection can take more request body bytes. */
  onDrain(): void;
}

/** An error with a stable code (Node's network errors carry theirs). */
export class UpstreamError extends Error {
  constructor(
    readonly code: 'UpstreamConnectTimeout' | 'UpstreamHeadersTimeout' | 'UpstreamBodyTimeout' | 'UpstreamClosed',
    message: string,
  ) {
    super(message);
  }
}

export interface ConnectionTimeouts {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

/** Where a connection goes back when its exchange is over. */
export interface ConnectionOwner {
  release(conn: UpstreamConnection): void;
  remove(conn: UpstreamConnection): void;
}

/**
 * One keep-alive HTTP/1.1 connection to an endpoint, carrying one exchange at a time. The request
 * head is written in one write (with the first body chunk when there is one); the response is
 * parsed as it streams in (ResponseParser). Once connected, reads, writes and the idle timeouts go
 * through a FastSocket (Node's TCP handle directly, where Node allows). Listeners are bound once
 * per connection, never per request. An idle connection that the endpoint closes leaves its pool.
 */
export class UpstreamConnection {
  readonly socket: Socket;
  connected = false;
  /** The connected socket's reads and writes (made at 'connect'). */
  private out: FastSocket | undefined;
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER);
  /** performance.now() when it went idle (for the pool's keep-alive expiry). */
  idleSince = 0;
  private handler: ExchangeHandler | undefined;
  private readonly parser = new ResponseParser();
  private requestDone = true;
  private timeoutMs: number;
  private dead = false;
  private paused = false;

  constructor(
    readonly key: string,
    host: string,
    port: number,
    private readonly owner: ConnectionOwner,
    private readonly timeouts: ConnectionTimeouts,
    private onConnect: ((conn: UpstreamConnection, err?: Error) => void) | undefined,
  ) {
    this.timeoutMs = timeouts.connectTimeoutMs;
    // Reads land in one buffer per connection (no stream push, 'data' event or buffer per read);
    // the parser copies what outlives a read. The callback serves only when FastSocket cannot
    // take the reads over: it passes them through FastSocket all the same, for its idle timer.
    const deliver = (n: number): boolean => {
      this.out?.deliver(this.readBuffer.subarray(0, n));
      return true; // reading on
    };
    const s = connect({ host, port, noDelay: true, onread: { buffer: this.readBuffer, callback: deliver } });
    this.socket = s;
    s.setTimeout(this.timeoutMs); // the connect timeout, on Node's timer
    s.on('connect', () => {
      this.connected = true;
      s.setTimeout(0);
      this.out = new FastSocket(s, { data: (chunk) => this.onData(chunk), drain: () => this.handler?.onDrain(), idle: () => this.onTimeout() }, { readBuffer: this.readBuffer });
      this.timeoutMs = 0;
      this.setTimeout(timeouts.headersTimeoutMs);
      const cb = this.onConnect;
      this.onConnect = undefined;
      cb?.(this);
    });
    s.on('end', () => this.onEnd());
    s.on('timeout', () => this.onTimeout());
    s.on('error', (err) => this.fail(err));
    s.on('close', () => {
      this.fail(new UpstreamError('UpstreamClosed', 'ingress: the endpoint closed the connection'));
      owner.remove(this);
    });
  }

  get reusable(): boolean {
    return !this.dead && this.parser.keepAlive;
  }

  /** Keep-alive time the endpoint announced (`Keep-Alive: timeout=N`), if any. */
  get keepAliveHintMs(): number | undefined {
    return this.parser.keepAliveHintMs;
  }

  /** Starts an exchange: writes the head (a latin1 string or its bytes); `requestDone` when no more body follows. */
  send(handler: ExchangeHandler, head: string | Buffer, noResponseBody: boolean, requestDone: boolean): void {
    this.handler = handler;
    this.requestDone = requestDone;
    this.parser.reset(handler, noResponseBody);
    this.out!.write(head);
  }

  /** Writes request body bytes (a string as latin1); false when the writer should wait for onDrain. */
  write(data: Buffer | string): boolean {
    return this.out!.write(data);
  }

  /** Writes several pieces (strings as latin1), small ones joined into one write. */
  writeAll(parts: readonly (Buffer | string)[]): boolean {
    let total = 0;
    for (const p of parts) total += p.length;
    if (total > JOIN_LIMIT || parts.length === 1) {
      let ok = true;
      for (const p of parts) ok = this.out!.write(p);
      return ok;
    }
    return this.out!.write(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p))));
  }

  /** The request body is complete. */
  endRequest(): void {
    this.requestDone = true;
  }

  /** Stops reading the response (the client is slower than the endpoint). */
  pause(): void {
    this.paused = true;
    this.out?.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.out?.resume();
  }

  /** Ends the connection without notifying its exchange (the client went away, or the pool closes). */
  destroy(): void {
    this.handler = undefined;
    this.dead = true;
    this.socket.destroy();
  }

  /** The idle time allowed from here on (headers or body timeout), once connected. */
  private setTimeout(ms: number): void {
    if (ms !== this.timeoutMs) {
      this.timeoutMs = ms;
      this.out?.setIdleTimeout(ms);
    }
  }

  /** Bytes from the endpoint: a view of the read buffer, valid during the call only. */
  private onData(chunk: Buffer): boolean {
    const h = this.handler;
    if (!h) {
      // Bytes on an idle connection: the endpoint is confused; do not reuse it.
      this.dead = true;
      this.socket.destroy();
      return false;
    }
    const wasHead = this.parser.inHead;
    try {
      this.parser.execute(chunk, true);
    } catch (e) {
      this.fail(e as Error);
      return false;
    }
    if (this.parser.done) {
      this.handler = undefined;
      // A response that ends before its request body was sent: the connection is out of step.
      if (this.requestDone) this.settle();
      else this.destroy();
    } else if (wasHead && !this.parser.inHead && this.timeouts.bodyTimeoutMs !== this.timeouts.headersTimeoutMs) {
      this.setTimeout(this.timeouts.bodyTimeoutMs);
    }
    return !this.paused;
  }

  /** Back to the pool, or closed when the response said so. */
  private settle(): void {
    if (this.reusable && !this.socket.destroyed) {
      this.resume();
      this.setTimeout(this.timeouts.headersTimeoutMs);
      this.owner.release(this);
    } else {
      this.dead = true;
      this.socket.destroy();
    }
  }

  private onEnd(): void {
    if (this.handler) {
      try {
        this.parser.end();
      } catch (e) {
        this.fail(e as Error);
        return;
      }
      this.handler = undefined;
    }
    this.dead = true;
    this.socket.destroy();
  }

  private onTimeout(): void {
    if (!this.connected) {
      this.fail(new UpstreamError('UpstreamConnectTimeout', `ingress: connecting to ${this.key} timed out after ${this.timeouts.connectTimeoutMs} ms`));
      return;
    }
    if (!this.handler) return; // idle: the pool's keep-alive sweep decides
    const inHead = this.parser.inHead;
    this.fail(
      inHead
        ? new UpstreamError('UpstreamHeadersTimeout', `ingress: ${this.key} sent no response within ${this.timeouts.headersTimeoutMs} ms`)
        : new UpstreamError('UpstreamBodyTimeout', `ingress: ${this.key} stalled the response body for ${this.timeouts.bodyTimeoutMs} ms`),
    );
  }

  /** Closes the connection and tells whoever waits on it (once; 'close' then lets the pool forget it). */
  private fail(err: Error): void {
    this.dead = true;
    if (!this.socket.destroyed) this.socket.destroy();
    const cb = this.onConnect;
    if (cb) {
      this.onConnect = undefined;
      cb(this, err);
      return;
    }
    const h = this.handler;
    this.handler = undefined;
    h?.onError(err);
  }
}
