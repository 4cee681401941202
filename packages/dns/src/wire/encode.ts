import { parseIP } from '@svcnet/model';
import type { Answer, RR } from '../core/records.js';

const TYPE_CODE: Record<RR['type'], number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, TXT: 16, AAAA: 28, SRV: 33 };

/** Answer, authority and additional sections encoded once, to follow a copied header and question. */
export interface CompiledAnswer {
  rcode: number;
  /** Sections after the question, names compressed against a question of the compiled length. */
  tail: Buffer;
  an: number;
  ns: number;
  ar: number;
  /**
   * Where each record of `tail` ends (answer, authority, additional, in order): a UDP reply too big
   * for the client keeps the records that fit, as miekg/dns's Msg.Truncate does for CoreDNS. Names
   * only point backwards, so every prefix of whole records is valid on its own.
   */
  ends?: Uint32Array;
}

/**
 * Writes records with RFC 1035 name compression. The question name is assumed at offset 12 (as in
 * every query), so answers owned by it become a 2-byte pointer to the question: the answer then
 * repeats the question's spelling, which is how CoreDNS echoes the client's letter case.
 */
/** One scratch buffer for every compilation: compiling is synchronous, and the result is copied out. */
const SCRATCH = Buffer.allocUnsafe(65535);

class SectionWriter {
  private readonly buf = SCRATCH;
  private off = 0;
  private readonly dict = new Map<string, number>();
  private readonly compress: boolean;

  constructor(qname: string | null, private readonly start: number) {
    this.compress = qname !== null;
    if (qname) {
      const labels = qname.split('.');
      let at = 12;
      for (let i = 0; i < labels.length; i++) {
        this.dict.set(labels.slice(i).join('.'), at);
        at += labels[i]!.length + 1;
      }
    }
  }

  get length(): number {
    return this.off;
  }

  private ensure(n: number): void {
    if (this.off + n > this.buf.length) throw new RangeError('DNS message larger than 65535 bytes');
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.off++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.off);
    this.off += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.off);
    this.off += 4;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.off);
    this.off += b.length;
  }

  name(name: string, usePointer = true): void {
    const compress = usePointer && this.compress;
    const labels = name === '' ? [] : name.split('.');
    for (let i = 0; i < labels.length; i++) {
      const suffix = i === 0 ? name : labels.slice(i).join('.');
      const ptr = this.dict.get(suffix);
      if (compress && ptr !== undefined) {
        this.u16(0xc000 | ptr);
        return;
      }
      const abs = this.start + this.off;
      if (abs < 0x3fff && !this.dict.has(suffix)) this.dict.set(suffix, abs);
      const label = Buffer.from(labels[i]!, 'latin1');
      if (label.length === 0 || label.length > 63) throw new RangeError(`invalid DNS name "${name}"`);
      this.u8(label.length);
      this.bytes(label);
    }
    this.u8(0);
  }

  rr(rr: RR): void {
    this.name(rr.name);
    this.u16(TYPE_CODE[rr.type]);
    this.u16(1);
    this.u32(rr.ttl);
    const lenAt = this.off;
    this.u16(0);
    switch (rr.type) {
      case 'A':
      case 'AAAA':
        this.bytes(ipBytes(rr.data));
        break;
      case 'CNAME':
      case 'PTR':
      case 'NS':
        this.name(rr.data);
        break;
      case 'TXT': {
        const s = Buffer.from(rr.data, 'utf8');
        for (let i = 0; i < s.length || i === 0; i += 255) {
          const part = s.subarray(i, i + 255);
          this.u8(part.length);
          this.bytes(part);
        }
        break;
      }
      case 'SRV':
        this.u16(rr.data.priority);
        this.u16(rr.data.weight);
        this.u16(rr.data.port);
        // RFC 2782: the target is not compressed (it may still be pointed at).
        this.name(rr.data.target, false);
        break;
      case 'SOA':
        this.name(rr.data.mname);
        this.name(rr.data.rname);
        this.u32(rr.data.serial);
        this.u32(rr.data.refresh);
        this.u32(rr.data.retry);
        this.u32(rr.data.expire);
        this.u32(rr.data.minimum);
        break;
    }
    this.buf.writeUInt16BE(this.off - lenAt - 2, lenAt);
  }

  take(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.off));
  }
}

/** Network-order bytes of an address text (4 for IPv4, 16 for IPv6). */
export function ipBytes(ip: string): Uint8Array {
  const quad = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (quad) return Uint8Array.from(quad.slice(1).map(Number));
  const a = parseIP(ip);
  if (!a) throw new RangeError(`invalid address "${ip}"`);
  const n = a.family === 'IPv4' ? 4 : 16;
  const out = new Uint8Array(n);
  let v = a.value;
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Wire length of a name: labels plus their length bytes plus the root. */
export function nameWireLength(name: string): number {
  return name === '' ? 1 : Buffer.byteLength(name, 'latin1') + 2;
}

/**
 * Encodes an answer's sections for a question named `qname` (canonical form). The result is valid
 * after any question whose name has the same wire length, so one encoding serves every spelling.
 * With `qname` null nothing is compressed, and the sections fit after any question.
 */
export function compileAnswer(a: Answer, qname: string | null): CompiledAnswer {
  const w = new SectionWriter(qname, 12 + nameWireLength(qname ?? '') + 4);
  const ends = new Uint32Array(a.answer.length + a.authority.length + a.additional.length);
  let i = 0;
  for (const section of [a.answer, a.authority, a.additional]) {
    for (const rr of section) {
      w.rr(rr);
      ends[i++] = w.length;
    }
  }
  return { rcode: a.rcode, tail: w.take(), an: a.answer.length, ns: a.authority.length, ar: a.additional.length, ends };
}
