import type dgram from 'node:dgram';

/**
 * The UDP hot path without dgram's per-datagram JavaScript: Node's own handle, called directly.
 *
 * Per reply, `socket.send` validates its arguments, builds a buffer list, makes a closure for the
 * address lookup, constructs a SendWrap request object and adds three properties to it (each a
 * hidden-class transition on an API object), all before the C++ `sendmsg`. Per query, dgram's
 * `onMessage` adds `size` to the rinfo object (another transition) and goes through `emit`.
 * On a busy server these cost more CPU than our own answer code, so when the handle looks as
 * expected (Node 20's lib/dgram.js and src/udp_wrap.cc; checked at start, see below) the server
 * talks to it directly:
 *
 * - the handle's `onmessage` becomes our function (no emit, nothing added to rinfo);
 * - replies go through `handle.send(req, list, count, port, address, false)`, which first tries
 *   a synchronous send and then returns the length + 1. A synchronous send keeps nothing, so one
 *   request object and one list per part count serve every reply; when the kernel queue is full the send is
 *   queued instead (return 0) and keeps that request and the buffer, so the next reply gets new
 *   ones, as dgram itself would.
 *
 * Anything unexpected (another Node's internals, or `process.binding` refused as under the
 * permission model) leaves the socket alone and returns undefined: the caller then uses the
 * public API, which behaves the same, only slower. udpFastPath.test.ts fails if this Node's
 * internals are not recognised, so an upgrade cannot lose the fast path silently.
 */

type OnMessage = (nread: number, handle: UdpHandle, buf: Buffer, rinfo: dgram.RemoteInfo) => void;

interface UdpHandle {
  onmessage: OnMessage;
  send(req: object, list: Buffer[], count: number, port: number, address: string, hasCallback: boolean): number;
}

/**
 * Sends one datagram made of up to three buffers (sendmsg gathers them: a reply can be the query's
 * own header and question followed by a shared compiled answer, without copying either). Returns
 * a negative libuv error code when the send failed at once, else 0.
 */
export type FastSend = (port: number, address: string, a: Buffer, b?: Buffer, c?: Buffer) => number;

type SendWrapCtor = new () => { list?: Buffer[] };

let sendWrap: SendWrapCtor | null | undefined;

/** The SendWrap request constructor dgram uses (`internalBinding('udp_wrap')`), if reachable. */
function sendWrapCtor(): SendWrapCtor | null {
  if (sendWrap !== undefined) return sendWrap;
  try {
    const binding = (process as unknown as { binding(name: string): { SendWrap?: unknown } }).binding('udp_wrap');
    sendWrap = typeof binding.SendWrap === 'function' ? (binding.SendWrap as SendWrapCtor) : null;
  } catch {
    sendWrap = null;
  }
  return sendWrap;
}

/** The bound socket's libuv handle (dgram keeps it in its state under a private symbol). */
function handleOf(socket: dgram.Socket): UdpHandle | undefined {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  const state = key ? (socket as unknown as Record<symbol, { handle?: unknown } | undefined>)[key] : undefined;
  const h = state?.handle as Partial<UdpHandle> | undefined;
  return h && typeof h.send === 'function' && typeof h.onmessage === 'function' && h.onmessage.length === 4 ? (h as UdpHandle) : undefined;
}

/**
 * Routes the bound `socket`'s datagrams to `onPacket` and returns a sender for the replies, or
 * undefined (socket untouched) when Node's internals are not as expected. Errors on receive still
 * reach the socket's 'error' listeners.
 */
export function fastUdp(socket: dgram.Socket, onPacket: (msg: Buffer, rinfo: dgram.RemoteInfo, send: FastSend) => void): FastSend | undefined {
  const Req = sendWrapCtor();
  const handle = handleOf(socket);
  if (!Req || !handle) return undefined;
  const original = handle.onmessage;
  let req = new Req();
  // One list per part count: the handle sends `count` entries and dgram always passes list.length.
  let lists: Buffer[][] = [[], [], [], []];
  const send: FastSend = (port, address, a, b, c) => {
    const n = c !== undefined ? 3 : b !== undefined ? 2 : 1;
    const list = lists[n]!;
    list[0] = a;
    if (n > 1) list[1] = b!;
    if (n > 2) list[2] = c!;
    const r = handle.send(req, list, n, port, address, false);
    if (r >= 1) return 0; // sent at once: req and list are free again
    // Queued in libuv (0): this request owns the list, and so the buffers, until it completes; or
    // failed (below 0). Either way the next reply starts with fresh ones.
    req.list = list;
    req = new Req();
    lists = [[], [], [], []];
    return r;
  };
  handle.onmessage = (nread, h, buf, rinfo) => {
    if (nread < 0) original(nread, h, buf, rinfo);
    else onPacket(buf, rinfo, send);
  };
  return send;
}

/** The bound socket's file descriptor, read from the same handle (for the native batch path). */
export function udpFd(socket: dgram.Socket): number | undefined {
  const fd = (handleOf(socket) as { fd?: unknown } | undefined)?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}
