import { FNV1A_OFFSET, fnv1aStep } from '@svcnet/model';
/**
 * A hand-written parser for DNS queries (RFC 1035 section 4.1): the header, the one question and an
 * EDNS0 OPT record (RFC 6891), without decoding anything else. It fills a caller-owned object;
 * `scanQuery` allocates nothing (the lower-cased name stays in a scratch buffer with its hash, for
 * a byte-keyed answer table), `parseQuery` also makes the name's string.
 */
export interface ParsedQuery {
  id: number;
  flags: number;
  opcode: number;
  qtype: number;
  qclass: number;
  /** Offset just after the question: header and question are bytes [0, questionEnd). */
  questionEnd: number;
  /** Lower-case dotted name without the trailing dot ('' for the root). */
  name: string;
  /** False when a label holds a '.' byte, which the dotted form cannot say: no zone name matches it. */
  nameExact: boolean;
  /** Length of the lower-cased dotted name in QNAME_SCRATCH (valid until the next scan). */
  nameLen: number;
  /** FNV-1a of those bytes (31 bits, so it stays a small integer). */
  nameHash: number;
  edns: boolean;
  udpSize: number;
  ednsVersion: number;
  dnssecOk: boolean;
}

export function newParsedQuery(): ParsedQuery {
  return { id: 0, flags: 0, opcode: 0, qtype: 0, qclass: 0, questionEnd: 0, name: '', nameExact: true, nameLen: 0, nameHash: 0, edns: false, udpSize: 512, ednsVersion: 0, dnssecOk: false };
}

/** Outcome of parsing: answer it, drop it silently, or answer with this error rcode. */
export const PARSE_OK = 0;
export const PARSE_DROP = -1;
export const PARSE_FORMERR = 1;
export const PARSE_NOTIMP = 4;

/** A big-endian 16-bit field (bounds are checked by the caller; inlined, unlike Buffer#readUInt16BE). */
function u16(b: Buffer, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

/**
 * The last scanned question's name, lower-cased and dotted: shared, overwritten by every scan.
 * It has an ArrayBuffer of its own (offset 0), zero-padded after the name to a multiple of four
 * bytes, so the answer table can compare names four bytes at a time through QNAME_WORDS.
 */
export const QNAME_SCRATCH = Buffer.from(new ArrayBuffer(256));
export const QNAME_WORDS = new Int32Array(QNAME_SCRATCH.buffer, 0, 64);
const NAME_SCRATCH = QNAME_SCRATCH;

/**
 * Parses `msg` into `q`. Returns PARSE_OK, PARSE_DROP (too short to answer, or not a query), or the
 * rcode to answer with (FORMERR, NOTIMP). After FORMERR or NOTIMP, `q.questionEnd` is 0 when the
 * question could not be read, and the reply then carries the header only.
 */
export function parseQuery(msg: Buffer, q: ParsedQuery): number {
  const rc = scanQuery(msg, q);
  if (q.questionEnd > 0) fillName(q);
  return rc;
}

/** Sets `q.name` from the scratch: call it right after `scanQuery`, before any other scan. */
export function fillName(q: ParsedQuery): void {
  q.name = NAME_SCRATCH.toString('latin1', 0, q.nameLen);
}

/**
 * `parseQuery` without making the name's string: `q.name` keeps the previous query's name until
 * `fillName(q)`. The name's bytes are in QNAME_SCRATCH[0, q.nameLen) with `q.nameHash`.
 */
export function scanQuery(msg: Buffer, q: ParsedQuery): number {
  const len = msg.length;
  q.questionEnd = 0;
  q.edns = false;
  q.udpSize = 512;
  q.ednsVersion = 0;
  q.dnssecOk = false;
  if (len < 12) return PARSE_DROP;
  q.id = u16(msg, 0);
  q.flags = u16(msg, 2);
  if (q.flags & 0x8000) return PARSE_DROP; // a response: never answer it (that is how loops start)
  q.opcode = (q.flags >> 11) & 0xf;
  if (q.opcode !== 0) return PARSE_NOTIMP;
  if (u16(msg, 4) !== 1) return PARSE_FORMERR;
  if (u16(msg, 6) !== 0 || u16(msg, 8) !== 0) return PARSE_FORMERR;
  const arcount = u16(msg, 10);

  let off = 12;
  let n = 0;
  let exact = true;
  let h = FNV1A_OFFSET | 0;
  for (;;) {
    if (off >= len) return PARSE_FORMERR;
    const l = msg[off]!;
    if (l === 0) {
      off++;
      break;
    }
    // No compression pointers in a question: there is nothing before it to point at.
    if (l > 63) return PARSE_FORMERR;
    if (off + 1 + l > len || n + l + 1 > 254) return PARSE_FORMERR;
    if (n > 0) {
      NAME_SCRATCH[n++] = 0x2e;
      h = fnv1aStep(h, 0x2e);
    }
    for (let i = off + 1; i <= off + l; i++) {
      let c = msg[i]!;
      if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      else if (c === 0x2e) exact = false;
      NAME_SCRATCH[n++] = c;
      h = fnv1aStep(h, c);
    }
    off += 1 + l;
  }
  for (let i = n; (i & 3) !== 0; i++) NAME_SCRATCH[i] = 0; // the padding QNAME_WORDS compares
  if (off + 4 > len) return PARSE_FORMERR;
  q.qtype = u16(msg, off);
  q.qclass = u16(msg, off + 2);
  off += 4;
  q.questionEnd = off;
  q.nameLen = n;
  q.nameHash = h & 0x3fffffff;
  q.nameExact = exact;

  for (let i = 0; i < arcount; i++) {
    // Owner name: the OPT's is the root; others (TSIG) may be compressed.
    for (;;) {
      if (off >= len) return PARSE_FORMERR;
      const l = msg[off]!;
      if (l === 0) {
        off++;
        break;
      }
      if ((l & 0xc0) === 0xc0) {
        off += 2;
        break;
      }
      if (l > 63) return PARSE_FORMERR;
      off += 1 + l;
    }
    if (off + 10 > len) return PARSE_FORMERR;
    const type = u16(msg, off);
    const rdlen = u16(msg, off + 8);
    if (off + 10 + rdlen > len) return PARSE_FORMERR;
    if (type === 41) {
      if (q.edns) return PARSE_FORMERR; // RFC 6891 6.1.1: more than one OPT
      q.edns = true;
      q.udpSize = Math.max(512, u16(msg, off + 2));
      q.ednsVersion = msg[off + 5]!;
      q.dnssecOk = (u16(msg, off + 6) & 0x8000) !== 0;
    }
    off += 10 + rdlen;
  }
  return PARSE_OK;
}
