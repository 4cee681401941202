import type { Socket } from 'node:net';
import { type StreamHandle, type WriteRequest, directSocketsByDefault, handleOf, streamBinding } from './streamBinding.js';

export { streamBinding, useDirectSockets } from './streamBinding.js';
import { TlsHandleWrites } from './tlsHandleWrites.js';

/**
 * A client socket of the fast path, read and written through Node's TCP handle directly.
 *
 * Per read, net.Socket pushes the bytes through a Readable stream (push, buffer bookkeeping, a
 * 'data' emit and a nextTick to read more); per write, through a Writable (state, a WriteWrap
 * request object made and dressed with five properties, callbacks); and both refresh the socket's
 * timeout timer. On a busy router that was more CPU than parsing and routing the request. When
 * Node's stream binding looks as expected (Node 20's lib/internal/stream_base_commons.js and
 * src/stream_base.cc; checked once, see streamBinding) this class:
 *
 * - replaces the handle's `onread` with its own: bytes go straight to `onData`; end of stream and
 *   errors still go to Node's own function, so 'end', 'error' and 'close' happen as always;
 * - writes with `handle.writeBuffer(req, bytes)` / `writeLatin1String`, which first try a
 *   synchronous write. One request object serves every write the kernel takes whole; a write that
 *   libuv has to queue keeps its request (and bytes) until it completes (libuv queues later
 *   writes behind it, in order, and `drain` comes when the last is done);
 * - keeps its own idle timer, restarted by a timestamp per read and write instead of a timer
 *   list update (Node's timer is off: it would not see these reads and writes).
 *
 * A TLS socket (node:tls's TLSSocket, whose handle is Node's TLSWrap) is read the same way, its
 * cleartext side: TLSWrap decrypts in C++ and calls the same `onread`. Its writes go one at a time
 * through TlsHandleWrites (tlsHandleWrites.ts says why).
 *
 * Otherwise (another Node, or `process.binding` refused) the same class uses the socket's public
 * API, with the same behaviour. fastSocket.test.ts fails if this Node's internals stop being
 * recognised, so an upgrade cannot lose the direct path silently. `detach` gives the socket back
 * as it was (for node:http, which takes over connections the fast path does not serve).
 */

/** Where accepted sockets' reads land (read and copied out within the same callback). */
const sharedReadBuffer = Buffer.allocUnsafeSlow(64 * 1024);

export interface FastSocketOptions {
  /** false: the public API only (for tests and comparisons). */
  useHandle?: boolean;
  /**
   * The buffer given to connect() as `onread.buffer`, when it was: reads land there and `data`
   * gets views of it, valid during the call only.
   */
  readBuffer?: Buffer;
  /**
   * Read into one buffer shared by every socket that asks so, and give `data` views of it, valid
   * during the call only (the caller copies what it keeps). Otherwise each read is copied out.
   */
  sharedReads?: boolean;
}

export interface FastSocketEvents {
  /** Bytes read: a buffer of their own that may be kept, except with `readBuffer` or `sharedReads`. */
  data(chunk: Buffer): void;
  /** Everything written has left for the kernel after a write returned false. */
  drain(): void;
  /** Nothing was read or written for the idle time. */
  idle(): void;
}

export class FastSocket {
  /** Whether reads and writes go through the handle (else the socket's public API). */
  readonly direct: boolean;
  private readonly handle: StreamHandle | undefined;
  private readonly nodeOnRead: StreamHandle['onread'] | undefined;
  private req: WriteRequest | undefined;
  /** Direct writes libuv still holds. */
  private queued = 0;
  /** Writes to a TLS socket's handle (one in flight at a time). */
  private readonly tls: TlsHandleWrites | undefined;
  /** Bytes the socket had read into its stream before this took over (see takeBuffered). */
  private buffered: Buffer | null = null;
  private stopped = false;
  private detached = false;
  private idleMs = 0;
  private lastActive = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly onSocketData = (chunk: Buffer) => this.read(chunk);
  private readonly onSocketDrain = () => this.drained();
  private readonly checkIdle = () => this.idleCheck();
  /** Closed: the timer must not keep this (and whatever its events reach) alive until it fires. */
  private readonly onSocketClose = () => this.setIdleTimeout(0);

  constructor(
    readonly socket: Socket,
    private readonly events: FastSocketEvents,
    options: FastSocketOptions = {},
  ) {
    const b = (options.useHandle ?? directSocketsByDefault()) ? streamBinding() : null;
    const h = b ? handleOf(socket) : undefined;
    this.direct = h !== undefined;
    socket.setTimeout(0);
    socket.on('drain', this.onSocketDrain);
    socket.once('close', this.onSocketClose);
    if (h === undefined) {
      socket.on('data', this.onSocketData);
      socket.resume(); // flowing even if paused before (bytes it holds come first)
      return;
    }
    const state = b!.streamBaseState;
    const nread = b!.kReadBytesOrError;
    const offset = b!.kArrayBufferOffset;
    this.handle = h;
    this.nodeOnRead = h.onread;
    this.req = new b!.WriteWrap();
    if ((socket as Socket & { encrypted?: boolean }).encrypted === true) {
      this.tls = new TlsHandleWrites(h, b!.WriteWrap, () => socket.destroy(), () => this.drained());
    }
    const fast = this;
    const nodeOnRead = h.onread;
    let own = options.readBuffer;
    // A socket of our own (an accepted one) reads into the shared buffer instead of a fresh 64 KiB
    // allocation per read; unless the caller takes views (sharedReads), each read is copied out
    // (into Node's small-buffer pool), so `data` still gets bytes of its own.
    const shared = own === undefined && typeof h.useUserBuffer === 'function';
    if (shared) {
      h.useUserBuffer!(sharedReadBuffer);
      own = sharedReadBuffer;
    }
    const copy = shared && options.sharedReads !== true;
    h.onread = function (this: StreamHandle, buffer: ArrayBuffer | undefined) {
      const n = state[nread]!;
      if (n <= 0) return nodeOnRead.call(this, buffer); // end of stream or an error: Node's own handling
      // Bytes in the connection's or the shared buffer when one was given (no ArrayBuffer then).
      if (buffer !== undefined) fast.read(Buffer.from(buffer, state[offset]!, n));
      else if (copy) {
        const bytes = Buffer.allocUnsafe(n);
        own!.copy(bytes, 0, 0, n);
        fast.read(bytes);
      } else fast.read(own!.subarray(0, n));
      return undefined;
    };
    if (shared) {
      // What Node's own onread gets after detach: the shared buffer's bytes as the ArrayBuffer it
      // expects (the handle keeps reading into that buffer for good).
      this.nodeOnRead = function (this: StreamHandle, buffer: ArrayBuffer | undefined) {
        const n = state[nread]!;
        if (n > 0 && buffer === undefined) {
          const bytes = new Uint8Array(n);
          bytes.set(sharedReadBuffer.subarray(0, n));
          state[offset] = 0;
          return nodeOnRead.call(this, bytes.buffer);
        }
        return nodeOnRead.call(this, buffer);
      };
    }
    // A TLS socket may have decrypted bytes into its stream before it was handed over (the
    // handshake's last read can carry the first request): they are taken before it flows.
    if (socket.readableLength > 0) this.buffered = socket.read() as Buffer | null;
    // Flowing with no 'data' listener: nothing is pushed any more but the end of stream, and that
    // must still reach 'end'.
    socket.resume();
  }

  /** Bytes the socket's stream held when this took over, once (the caller gives them to its parser). */
  takeBuffered(): Buffer | null {
    const b = this.buffered;
    this.buffered = null;
    return b;
  }

  /**
   * Bytes read for this socket outside its `data` events: what a connect() `onread` callback gets
   * when the handle is not read directly. Counted as activity, then given to `data`.
   */
  deliver(chunk: Buffer): void {
    this.read(chunk);
  }

  /** Writes bytes (or a latin1 string); false when the caller should wait for `drain`. */
  write(data: Buffer | string): boolean {
    this.touch();
    const s = this.socket;
    const h = this.handle;
    // Bytes in the socket's Writable (written through it before) must go first: then it writes.
    if (h === undefined || this.detached || s.writableLength > 0 || s.destroyed || !s.writable) {
      return typeof data === 'string' ? s.write(data, 'latin1') : s.write(data);
    }
    if (this.tls) return this.tls.write(data);
    const req = this.req!;
    const err = typeof data === 'string' ? h.writeLatin1String(req, data) : h.writeBuffer(req, data);
    if (err !== 0) {
      // EPIPE, ECONNRESET...: the client is gone; 'close' tells whoever waits.
      s.destroy();
      return false;
    }
    const b = streamBinding()!;
    if (b.streamBaseState[b.kLastWriteWasAsync] === 0) return true;
    // libuv queued what the kernel did not take: this request and its bytes are libuv's until done.
    req.buffer = data;
    req.oncomplete = (status: number) => {
      this.queued--;
      if (status < 0) s.destroy();
      else if (this.queued === 0) this.drained();
    };
    this.queued++;
    this.req = new b.WriteWrap();
    return false;
  }

  /** Bytes written before still wait for the kernel (held by libuv or the socket's Writable). */
  get holdsWrites(): boolean {
    return this.queued > 0 || this.tls?.holdsBytes === true || this.socket.writableLength > 0;
  }

  /** Whether written bytes still wait for the kernel (the caller answers nothing more until `drain`). */
  get needsDrain(): boolean {
    // A TLS write in flight counts: nothing may write through the socket's own stream (node:http
    // after a hand-over) until it completes (tlsHandleWrites.ts).
    return this.queued > 0 || this.tls?.inFlight === true || this.socket.writableNeedDrain;
  }

  /** Stops reading (the caller holds enough unparsed bytes). */
  pause(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.handle) this.handle.readStop();
    else this.socket.pause();
  }

  resume(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (this.handle) this.handle.readStart();
    else this.socket.resume();
  }

  /** Starts (or changes) the idle timer; 0 turns it off. */
  setIdleTimeout(ms: number): void {
    if (ms === this.idleMs) return;
    this.idleMs = ms;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.touch();
  }

  /** The socket as net.Socket had it: Node's onread, reading on, no listener or timer of ours. */
  detach(): void {
    this.detached = true;
    this.setIdleTimeout(0);
    this.socket.removeListener('drain', this.onSocketDrain);
    this.socket.removeListener('data', this.onSocketData);
    this.socket.removeListener('close', this.onSocketClose);
    if (this.handle) {
      this.handle.onread = this.nodeOnRead!;
      if (this.stopped) this.handle.readStart();
    } else if (this.stopped) this.socket.resume();
    this.stopped = false;
  }

  private read(chunk: Buffer): void {
    this.touch();
    this.events.data(chunk);
  }

  private drained(): void {
    if (!this.detached && this.queued === 0 && this.tls?.inFlight !== true && !this.socket.writableNeedDrain) this.events.drain();
  }

  private touch(): void {
    if (this.idleMs === 0) return;
    this.lastActive = performance.now();
    if (this.timer === undefined) {
      this.timer = setTimeout(this.checkIdle, this.idleMs);
      this.timer.unref();
    }
  }

  /** The timer fired: idle for the whole time, or re-armed for what is left of it since the last activity. */
  private idleCheck(): void {
    this.timer = undefined;
    if (this.idleMs === 0 || this.detached || this.socket.destroyed) return;
    const left = this.lastActive + this.idleMs - performance.now();
    if (left > 1) {
      this.timer = setTimeout(this.checkIdle, left);
      this.timer.unref();
      return;
    }
    this.events.idle();
  }
}
