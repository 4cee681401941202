
/**
 * One buffer to build the fast path's writes in. A write the kernel takes whole at once keeps no
 * reference to its bytes (Node queues only what it could not send), so the same buffer serves the
 * next answer; when a write is queued instead, the buffer goes with it and a new one takes its place.
 */
const SIZE = 32 * 1024;
let scratch = Buffer.allocUnsafeSlow(SIZE);

/** Where the built bytes go (FastSocket). */
export interface OutputWriter {
  /** Bytes written before still wait for the kernel (held by Node or libuv). */
  readonly holdsWrites: boolean;
  write(data: Buffer): boolean;
}

/** A buffer of at least `size` bytes to build one write to `out` in. */
export function outputBuffer(out: Pick<OutputWriter, 'holdsWrites'>, size: number): Buffer {
  // Bytes already queued: this write will queue too, so it gets its own buffer.
  return size <= SIZE && !out.holdsWrites ? scratch : Buffer.allocUnsafe(size);
}

/** Writes buf[0, n) to `out` (see outputBuffer); false when the writer should wait for its drain. */
export function writeOutput(out: OutputWriter, buf: Buffer, n: number): boolean {
  const ok = out.write(n === buf.length ? buf : buf.subarray(0, n));
  if (buf === scratch && out.holdsWrites) scratch = Buffer.allocUnsafeSlow(SIZE);
  return ok;
}

/** Copies src[start, end) into dst at `at`; returns the offset after it. Short runs skip the native call. */
export function copyBytes(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): number {
  const n = end - start;
  if (n < 64) for (let i = 0; i < n; i++) dst[at + i] = src[start + i]!;
  else dst.set(src.subarray(start, end), at);
  return at + n;
}

/** Writes a latin1 string (every char below 256) into dst at `at`; returns the offset after it. */
export function writeLatin1(s: string, dst: Uint8Array, at: number): number {
  const n = s.length;
  for (let i = 0; i < n; i++) dst[at + i] = s.charCodeAt(i);
  return at + n;
}

/** Writes CRLF into dst at `at`; returns the offset after it. */
export function crlf(dst: Uint8Array, at: number): number {
  dst[at] = 13;
  dst[at + 1] = 10;
  return at + 2;
}
