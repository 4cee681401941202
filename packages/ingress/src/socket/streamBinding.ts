import type { Socket } from 'node:net';

// Node's internals that FastSocket (fastSocket.ts) reads and writes through: the stream binding and
// a socket's TCP handle, recognised by shape (Node 20's lib/internal/stream_base_commons.js and
// src/stream_base.cc). Anything unrecognised answers null/undefined, and FastSocket then uses the
// public API; fastSocket.test.ts fails when this Node's internals stop being recognised.

export interface WriteRequest {
  oncomplete?: (status: number) => void;
  buffer?: unknown;
}

export interface StreamHandle {
  onread: (this: StreamHandle, buffer: ArrayBuffer | undefined) => unknown;
  useUserBuffer?(buffer: Uint8Array): void;
  readStart(): number;
  readStop(): number;
  writeBuffer(req: WriteRequest, data: Uint8Array): number;
  writeLatin1String(req: WriteRequest, data: string): number;
}

export interface StreamBinding {
  WriteWrap: new () => WriteRequest;
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
  kLastWriteWasAsync: number;
}

let binding: StreamBinding | null | undefined;
/** Whether FastSockets made without `useHandle` go through the handle (see useDirectSockets). */
let directByDefault = true;

/**
 * false: FastSockets made from now on without a `useHandle` option use the socket's public API, as
 * on a Node whose internals are not recognised (for tests of that path, and comparisons).
 */
export function useDirectSockets(on: boolean): void {
  directByDefault = on;
}

export function directSocketsByDefault(): boolean {
  return directByDefault;
}

/** Node's `stream_wrap` binding, when it has what the direct path uses. */
export function streamBinding(): StreamBinding | null {
  if (binding !== undefined) return binding;
  try {
    const b = (process as unknown as { binding(name: string): Partial<StreamBinding> }).binding('stream_wrap');
    binding =
      typeof b.WriteWrap === 'function' &&
      b.streamBaseState instanceof Int32Array &&
      typeof b.kReadBytesOrError === 'number' &&
      typeof b.kArrayBufferOffset === 'number' &&
      typeof b.kLastWriteWasAsync === 'number'
        ? (b as StreamBinding)
        : null;
  } catch {
    binding = null;
  }
  return binding;
}

/** The socket's TCP handle, when it has the methods the direct path calls. */
export function handleOf(socket: Socket): StreamHandle | undefined {
  const h = (socket as unknown as { _handle?: Partial<StreamHandle> | null })._handle;
  return h && typeof h.onread === 'function' && typeof h.writeBuffer === 'function' && typeof h.writeLatin1String === 'function' && typeof h.readStop === 'function'
    ? (h as StreamHandle)
    : undefined;
}
