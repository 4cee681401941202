/**
 * Writes to a TLS socket's handle (Node's TLSWrap) for FastSocket, one at a time.
 *
 * TLSWrap differs from a TCP handle in two ways that matter here (Node 20 and 24,
 * src/crypto/crypto_tls.cc, TLSWrap::DoWrite and EncOut): it encrypts the bytes it is given before
 * `writeBuffer` returns (SSL_write copies them; the caller's buffer is free at once), but it
 * completes every write asynchronously, at the earliest in a SetImmediate, and it takes only one
 * write at a time: a second `writeBuffer` while one is in flight aborts the process
 * (`CHECK(!current_write_)`). Node's own Writable serialises writes; this does the same for the
 * fast path: a write made while another is in flight waits here (copied) and leaves, joined with
 * the others that waited, when that one completes.
 */

interface WriteRequest {
  oncomplete?: (status: number) => void;
}

interface TlsHandle {
  writeBuffer(req: WriteRequest, data: Uint8Array): number;
  writeLatin1String(req: WriteRequest, data: string): number;
}

/** Bytes waiting behind a write in flight, past which a write says to wait for `drain`. */
const HIGH_WATER = 64 * 1024;

export class TlsHandleWrites {
  /** A write TLSWrap has not completed yet. */
  inFlight = false;
  private waiting: Buffer[] = [];
  private waitingBytes = 0;
  private readonly done = (status: number) => this.completed(status);

  constructor(
    private readonly handle: TlsHandle,
    private readonly WriteWrap: new () => WriteRequest,
    /** A write failed (the connection is unusable): the socket is destroyed by the caller. */
    private readonly onError: () => void,
    /** Nothing in flight or waiting any more. */
    private readonly onIdle: () => void,
  ) {}

  /** Bytes kept here (copies) until the write in flight completes. */
  get holdsBytes(): boolean {
    return this.waitingBytes > 0;
  }

  /** false when the caller should wait for the idle callback before writing more. */
  write(data: Buffer | string): boolean {
    if (data.length === 0) return !this.inFlight || this.waitingBytes < HIGH_WATER; // TLSWrap treats empty writes apart
    if (this.inFlight) {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data); // the caller may reuse its buffer
      this.waiting.push(bytes);
      this.waitingBytes += bytes.length;
      return this.waitingBytes < HIGH_WATER;
    }
    return this.send(data);
  }

  private send(data: Buffer | string): boolean {
    const req = new this.WriteWrap();
    req.oncomplete = this.done;
    const err = typeof data === 'string' ? this.handle.writeLatin1String(req, data) : this.handle.writeBuffer(req, data);
    if (err !== 0) {
      this.onError();
      return false;
    }
    this.inFlight = true;
    return true;
  }

  private completed(status: number): void {
    this.inFlight = false;
    if (status < 0) {
      this.waiting = [];
      this.waitingBytes = 0;
      this.onError();
      return;
    }
    if (this.waitingBytes > 0) {
      const next = this.waiting.length === 1 ? this.waiting[0]! : Buffer.concat(this.waiting, this.waitingBytes);
      this.waiting = [];
      this.waitingBytes = 0;
      this.send(next);
      return;
    }
    this.onIdle();
  }
}
