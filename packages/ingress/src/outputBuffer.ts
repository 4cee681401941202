import type { Socket } from 'node:net';

/**
 * One buffer to build the fast path's writes in. A write the kernel takes whole at once keeps no
 * reference to its bytes (Node queues only what it could not send), so the same buffer serves the
 * next answer; when a write is queued instead, the buffer goes with it and a new one takes its place.
 */
const SIZE = 32 * 1024;
let scratch = Buffer.allocUnsafeSlow(SIZE);

/** A buffer of at least `size` bytes to build one write to `socket` in. */
export function outputBuffer(socket: Socket, size: number): Buffer {
  // Bytes already queued on the socket: this write will queue too, so it gets its own buffer.
  return size <= SIZE && socket.writableLength === 0 ? scratch : Buffer.allocUnsafe(size);
}

/** Writes buf[0, n) to `socket` (see outputBuffer); false when the socket asks the writer to wait for 'drain'. */
export function writeOutput(socket: Socket, buf: Buffer, n: number): boolean {
  const ok = socket.write(n === buf.length ? buf : buf.subarray(0, n));
  if (buf === scratch && socket.writableLength > 0) scratch = Buffer.allocUnsafeSlow(SIZE);
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
