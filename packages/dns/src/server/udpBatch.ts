import type dgram from 'node:dgram';
import type { UdpBatchAddon, UdpBatchState } from './udpBatchAddon.js';
import type { FastSend } from './udpFastPath.js';

/**
 * Datagrams per recvmmsg/sendmmsg. knot reads 10 at a time (RECVMMSG_BATCHLEN in its
 * src/knot/server/udp-handler.h); a batch here also pays one entry into JavaScript, so a larger
 * one spreads that over more datagrams under load (a light load fills only a few slots anyway).
 */
export const BATCH = 64;
/** A slot holds any UDP payload (65,507 bytes at most), so no query is ever cut short. */
const SLOT = 65536;
/**
 * Batches per wake-up at most, so a flood cannot keep the event loop from timers, TCP and the
 * store's changes (libuv itself reads at most 32 datagrams per wake-up; this is 512).
 */
const MAX_BATCHES = 8;
const PEER = 20;

/** A handler of one datagram, as the fast path calls it (DnsServer.udpQuery). */
export type BatchPacketHandler = (msg: Buffer, rinfo: dgram.RemoteInfo, send: FastSend) => void;

/**
 * The sender of the datagram being handled, reused for every datagram of a batch: no object per
 * datagram, and the address string is made only when something reads it (the ACL, the slow path)
 * and reused while the same peer keeps sending, as ClientAcl's own repeat-client check expects.
 */
class BatchPeer implements dgram.RemoteInfo {
  family: 'IPv4' | 'IPv6' = 'IPv4';
  port = 0;
  size = 0;
  private slot = 0;
  private readonly last = new Uint8Array(17);
  private lastAddress = '';

  constructor(
    private readonly peers: Uint8Array,
    private readonly format: (slot: number) => string,
  ) {
    this.last[0] = 0xff; // no family: the first read formats
  }

  load(slot: number, size: number): void {
    const p = this.peers;
    const o = slot * PEER;
    this.slot = slot;
    this.size = size;
    this.family = p[o] === 6 ? 'IPv6' : 'IPv4';
    this.port = (p[o + 2]! << 8) | p[o + 3]!;
  }

  get address(): string {
    const p = this.peers;
    const o = this.slot * PEER;
    const last = this.last;
    const n = p[o] === 6 ? 16 : 4;
    let same = last[0] === p[o];
    for (let i = 0; same && i < n; i++) same = last[1 + i] === p[o + 4 + i];
    if (same) return this.lastAddress;
    // IPv4 as inet_ntop writes it; IPv6 through the addon (inet_ntop, `::ffff:a.b.c.d`, `%iface`).
    this.lastAddress = n === 4 ? `${p[o + 4]}.${p[o + 5]}.${p[o + 6]}.${p[o + 7]}` : this.format(this.slot);
    last[0] = p[o]!;
    for (let i = 0; i < n; i++) last[1 + i] = p[o + 4 + i]!;
    return this.lastAddress;
  }
}

/**
 * Batched UDP for one bound socket (decision 017): when libuv wakes the fast path for a datagram,
 * `drain` takes every other datagram already queued on the socket with recvmmsg (one system call
 * and one JavaScript call per batch of up to 64, no Buffer, rinfo or address string per datagram),
 * hands each to the same handler as the fast path with a `send` that writes the reply into the
 * datagram's slot, and sends the batch's replies with one sendmmsg. libuv's next read then finds
 * the socket empty. Replies the kernel cannot queue (send buffer full) go through dgram's `send`,
 * which waits for the socket, as a queued fast-path send does.
 */
export class UdpBatch {
  private readonly input = Buffer.alloc(BATCH * SLOT);
  // Both are zero-filled allocations that the C library maps lazily: only the pages of the bytes
  // actually received and written become resident (a few hundred kB, not 8 MB).
  private readonly output = Buffer.alloc(BATCH * SLOT);
  private readonly meta = new Int32Array(BATCH * 3);
  private readonly peers = new Uint8Array(BATCH * PEER);
  private readonly state: UdpBatchState;
  private readonly peer: BatchPeer;
  private cur = 0;
  /** Datagrams answered through the batch (a test and the bench read it to see the path is used). */
  received = 0;

  constructor(
    private readonly addon: UdpBatchAddon,
    private readonly socket: dgram.Socket,
    fd: number,
  ) {
    this.state = addon.open(fd, this.input, this.output, this.meta, this.peers, BATCH, SLOT);
    this.peer = new BatchPeer(this.peers, (slot) => addon.peerAddress(this.state, slot));
  }

  /** Writes the reply of the datagram being handled into its slot (the addon sends it with the batch). */
  private readonly send: FastSend = (port, address, a, b, c) => {
    const i = this.cur;
    const base = i * SLOT;
    if (a.length + (b?.length ?? 0) + (c?.length ?? 0) > SLOT) {
      this.socket.send(c ? [a, b!, c] : b ? [a, b] : [a], port, address);
      return 0;
    }
    let head = 0;
    let o = 0;
    // The fast path rewrites the query's header in place and replies with it: leave it in its slot.
    if (a.buffer === this.input.buffer && a.byteOffset === this.input.byteOffset + base) head = a.length;
    else {
      this.output.set(a, base);
      o = a.length;
    }
    if (b) {
      this.output.set(b, base + o);
      o += b.length;
    }
    if (c) {
      this.output.set(c, base + o);
      o += c.length;
    }
    this.meta[3 * i + 1] = head;
    this.meta[3 * i + 2] = o;
    return 0;
  };

  /**
   * Answers what is queued on the socket, up to MAX_BATCHES batches. `onPacket` must not keep the
   * datagram's buffer past its call (it is the slot's, reused by the next batch): DnsServer copies
   * a query it answers later. Returns the number of datagrams handled.
   */
  drain(onPacket: BatchPacketHandler): number {
    const { addon, state, meta, peer } = this;
    let total = 0;
    for (let round = 0; round < MAX_BATCHES; round++) {
      const n = addon.recv(state);
      if (n <= 0) break; // nothing queued (libuv reports socket errors on its own read)
      for (let i = 0; i < n; i++) {
        const len = meta[3 * i]!;
        this.cur = i;
        peer.load(i, len);
        onPacket(this.input.subarray(i * SLOT, i * SLOT + len), peer, this.send);
      }
      const first = addon.send(state, n);
      for (let i = first; i < n; i++) this.sendLater(i);
      total += n;
      if (n < BATCH) break;
    }
    this.received += total;
    return total;
  }

  /** A reply the kernel would not queue now: dgram's send copies it and waits for the socket. */
  private sendLater(i: number): void {
    const head = this.meta[3 * i + 1]!;
    const out = this.meta[3 * i + 2]!;
    if (head + out === 0) return;
    const reply = Buffer.concat([this.input.subarray(i * SLOT, i * SLOT + head), this.output.subarray(i * SLOT, i * SLOT + out)]);
    this.peer.load(i, this.meta[3 * i]!);
    this.socket.send(reply, this.peer.port, this.peer.address);
  }
}
