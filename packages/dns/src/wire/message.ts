import type { CompiledAnswer } from './encode.js';
import type { ParsedQuery } from './query.js';

/** The UDP payload size this server advertises in its OPT record (the DNS flag day 2020 value). */
export const SERVER_UDP_SIZE = 1232;
const OPT_LEN = 11;

export const FLAG_QR = 0x8000;
export const FLAG_AA = 0x0400;
export const FLAG_TC = 0x0200;
export const FLAG_RD = 0x0100;
export const FLAG_RA = 0x0080;
export const FLAG_CD = 0x0010;

/** Largest response a client can take: 512 without EDNS, else its size capped by ours (RFC 6891). */
export function maxUdpSize(q: ParsedQuery): number {
  return q.edns ? Math.max(512, Math.min(q.udpSize, SERVER_UDP_SIZE)) : 512;
}

function writeOpt(out: Buffer, at: number, q: ParsedQuery, extRcode: number): void {
  out[at] = 0;
  out[at + 1] = 0;
  out[at + 2] = 41; // OPT
  out[at + 3] = SERVER_UDP_SIZE >> 8;
  out[at + 4] = SERVER_UDP_SIZE & 0xff;
  out[at + 5] = extRcode;
  out[at + 6] = 0; // version 0
  out[at + 7] = q.dnssecOk ? 0x80 : 0; // RFC 3225: the DO bit is echoed
  out[at + 8] = 0;
  out[at + 9] = 0; // RDLEN 0
  out[at + 10] = 0;
}

/**
 * Header + the query's own question bytes + the compiled sections (+ OPT when the query had one).
 * When that exceeds `maxSize`, the reply keeps as many whole records as fit (answers first, then
 * authority, then additional) and sets TC, as CoreDNS does through miekg/dns's Msg.Truncate: stub
 * resolvers that never retry over TCP still get addresses, the others retry (RFC 1035 4.2.1, RFC 7766).
 * Only the ID, flags, counts and OPT are written per query.
 */
export function writeAnswer(msg: Buffer, q: ParsedQuery, c: CompiledAnswer, maxSize: number, authoritative: boolean): Buffer {
  const opt = q.edns ? OPT_LEN : 0;
  const qEnd = q.questionEnd;
  const out = Buffer.allocUnsafe(qEnd + Math.min(c.tail.length, maxSize) + opt);
  // Byte stores rather than copy(): no argument checks, and no subarray view per query.
  for (let i = 0; i < qEnd; i++) out[i] = msg[i]!;
  out[0] = q.id >> 8;
  out[1] = q.id;
  const kept = writeReplyHeader(out, q, c, maxSize, authoritative);
  out.set(kept === c.tail.length ? c.tail : c.tail.subarray(0, kept), qEnd);
  const len = qEnd + kept + opt;
  if (opt) writeOpt(out, len - OPT_LEN, q, c.rcode >> 4);
  return out.subarray(0, len);
}

/** How many of the records fit in `room` bytes of sections (ends: each record's end offset). */
function recordsThatFit(ends: Uint32Array | undefined, room: number): number {
  if (!ends) return 0;
  let lo = 0;
  let hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ends[mid - 1]! <= room) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The reply's header written over the query's own (the ID is already there), for a reply sent as
 * the query's header and question followed by the first N bytes of `c.tail` and `optRecord(...)`
 * when the query had EDNS: the same bytes `writeAnswer` makes, without allocating or copying.
 * Returns N: all of the tail when it fits in `maxSize`; otherwise the whole records that fit,
 * with TC set.
 */
export function writeReplyHeader(msg: Buffer, q: ParsedQuery, c: CompiledAnswer, maxSize: number, authoritative: boolean): number {
  const opt = q.edns ? OPT_LEN : 0;
  const room = maxSize - q.questionEnd - opt;
  let an = c.an;
  let ns = c.ns;
  let ar = c.ar;
  let kept = c.tail.length;
  const truncated = kept > room;
  if (truncated) {
    const k = recordsThatFit(c.ends, room);
    kept = k === 0 ? 0 : c.ends![k - 1]!;
    an = Math.min(k, c.an);
    ns = Math.min(Math.max(k - c.an, 0), c.ns);
    ar = Math.max(k - c.an - c.ns, 0);
  }
  const flags = FLAG_QR | (authoritative ? FLAG_AA : 0) | (truncated ? FLAG_TC : 0) | (q.flags & (FLAG_RD | FLAG_CD)) | FLAG_RA | (c.rcode & 0xf);
  ar += opt ? 1 : 0;
  msg[2] = flags >> 8;
  msg[3] = flags;
  msg[4] = 0;
  msg[5] = 1;
  msg[6] = an >> 8;
  msg[7] = an;
  msg[8] = ns >> 8;
  msg[9] = ns;
  msg[10] = ar >> 8;
  msg[11] = ar;
  return kept;
}

/** Our OPT record per (extended rcode, DO bit), made once each: shared, never written to. */
const OPT_RECORDS: (Buffer | undefined)[] = [];

/** The OPT record a reply carries for an EDNS query (`writeAnswer` writes the same bytes). */
export function optRecord(q: ParsedQuery, rcode: number): Buffer {
  const key = ((rcode >> 4) << 1) | (q.dnssecOk ? 1 : 0);
  let b = OPT_RECORDS[key];
  if (b === undefined) {
    b = Buffer.alloc(OPT_LEN);
    writeOpt(b, 0, q, rcode >> 4);
    OPT_RECORDS[key] = b;
  }
  return b;
}

/** A reply with no records: FORMERR, NOTIMP, REFUSED, SERVFAIL, or BADVERS (16, via the OPT). */
export function writeError(msg: Buffer, q: ParsedQuery, rcode: number): Buffer {
  const withQuestion = q.questionEnd > 0;
  const opt = withQuestion && q.edns ? OPT_LEN : 0;
  const len = (withQuestion ? q.questionEnd : 12) + opt;
  const out = Buffer.allocUnsafe(len);
  out.writeUInt16BE(msg.readUInt16BE(0), 0);
  const flags = msg.readUInt16BE(2);
  out.writeUInt16BE(FLAG_QR | (flags & (0x7800 | FLAG_RD | FLAG_CD)) | FLAG_RA | (rcode & 0xf), 2);
  out.writeUInt16BE(withQuestion ? 1 : 0, 4);
  out.writeUInt32BE(0, 6);
  out.writeUInt16BE(opt ? 1 : 0, 10);
  if (withQuestion) msg.copy(out, 12, 12, q.questionEnd);
  if (opt) writeOpt(out, len - OPT_LEN, q, rcode >> 4);
  return out;
}
