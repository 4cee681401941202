import { FLAG_CD, FLAG_QR, FLAG_RA, FLAG_RD, FLAG_TC, SERVER_UDP_SIZE } from '../wire/message.js';
import { systemClock, type Clock } from '@svcnet/store';
import type { ParsedQuery } from '../wire/query.js';

/** Cache limits, named as the CoreDNS cache plugin's (`success`/`denial` capacity and TTL caps). */
export interface CacheOptions {
  /** Most responses kept; the least recently used goes first. Default 10000. */
  capacity?: number;
  /** TTL cap for answers (CoreDNS cache: 3600 s). */
  maxTtl?: number;
  /** TTL cap for NXDOMAIN and NODATA (CoreDNS cache: 1800 s). */
  maxNegativeTtl?: number;
  /** Time for TTLs (default systemClock; tests pass a ManualClock). */
  clock?: Clock;
}

export interface CacheEntry {
  /** The upstream response without its OPT record. */
  wire: Buffer;
  ttlAt: number[];
  ttls: number[];
  storedAt: number;
  expiresAt: number;
}
type Entry = CacheEntry;

/** Walks a name (compressed or not) and returns the offset after it, or -1 when malformed. */
export function skipName(b: Buffer, off: number): number {
  for (let hops = 0; hops < 128; hops++) {
    if (off >= b.length) return -1;
    const l = b[off]!;
    if (l === 0) return off + 1;
    if ((l & 0xc0) === 0xc0) return off + 2 <= b.length ? off + 2 : -1;
    if (l > 63) return -1;
    off += 1 + l;
  }
  return -1;
}

/**
 * Positive and negative cache of upstream responses in wire form (RFC 2308 for negative TTLs).
 * Bounded in entries; a hit is a copy with the ID, the question's spelling and the TTLs patched.
 */
export class ResponseCache {
  hits = 0;
  misses = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly capacity: number;
  private readonly maxTtl: number;
  private readonly maxNegativeTtl: number;
  private readonly clock: Clock;

  constructor(o: CacheOptions = {}) {
    this.capacity = o.capacity ?? 10000;
    this.maxTtl = o.maxTtl ?? 3600;
    this.maxNegativeTtl = o.maxNegativeTtl ?? 1800;
    this.clock = o.clock ?? systemClock;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  /** A fresh entry, counted as a hit; undefined (a miss) when absent or expired. */
  get(key: string): CacheEntry | undefined {
    const e = this.entries.get(key);
    if (!e || e.expiresAt <= this.clock.now()) {
      if (e) this.entries.delete(key);
      this.misses++;
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, e);
    this.hits++;
    return e;
  }

  /** Stores a response when it is cacheable (NOERROR or NXDOMAIN, not truncated, TTL > 0). */
  set(key: string, resp: Buffer): boolean {
    const e = this.parseEntry(resp);
    return e ? this.store(key, e) : false;
  }

  /** Keeps a parsed entry unless its TTL is 0 or the cache holds nothing. */
  store(key: string, e: CacheEntry): boolean {
    if (e.expiresAt <= e.storedAt || this.capacity <= 0) return false;
    this.entries.delete(key);
    this.entries.set(key, e);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return true;
  }

  /**
   * A NOERROR or NXDOMAIN response (not truncated) as an entry ready to render; its lifetime is
   * the smallest TTL (negative: RFC 2308's SOA rule), capped. Undefined for anything else.
   */
  parseEntry(resp: Buffer): CacheEntry | undefined {
    if (resp.length < 12) return undefined;
    const flags = resp.readUInt16BE(2);
    const rcode = flags & 0xf;
    if (flags & FLAG_TC || (rcode !== 0 && rcode !== 3) || resp.readUInt16BE(4) !== 1) return undefined;
    const an = resp.readUInt16BE(6);
    const total = an + resp.readUInt16BE(8) + resp.readUInt16BE(10);
    let off = skipName(resp, 12);
    if (off < 0) return undefined;
    off += 4;
    const ttlAt: number[] = [];
    const ttls: number[] = [];
    let min = Infinity;
    let wire = resp;
    for (let i = 0; i < total; i++) {
      const start = off;
      off = skipName(resp, off);
      if (off < 0 || off + 10 > resp.length) return undefined;
      const type = resp.readUInt16BE(off);
      const ttl = resp.readUInt32BE(off + 4);
      const rdlen = resp.readUInt16BE(off + 8);
      const end = off + 10 + rdlen;
      if (end > resp.length) return undefined;
      if (type === 41) {
        if (i !== total - 1) return undefined; // only a trailing OPT can be cut without moving pointers
        wire = Buffer.from(resp.subarray(0, start));
        wire.writeUInt16BE(resp.readUInt16BE(10) - 1, 10);
        break;
      }
      ttlAt.push(off + 4);
      ttls.push(ttl);
      // RFC 2308 section 5: a negative answer lives as long as min(SOA TTL, SOA MINIMUM).
      const life = an === 0 && type === 6 && rdlen >= 20 ? Math.min(ttl, resp.readUInt32BE(end - 4)) : ttl;
      if (an > 0 || type === 6) min = Math.min(min, life);
      off = end;
    }
    const cap = an > 0 ? this.maxTtl : this.maxNegativeTtl;
    const ttl = Number.isFinite(min) ? Math.max(0, Math.min(min, cap)) : 0;
    const now = this.clock.now();
    return { wire: wire === resp ? Buffer.from(resp) : wire, ttlAt, ttls, storedAt: now, expiresAt: now + ttl * 1000 };
  }

  /** The cached response for this query: its ID, question spelling, TTLs aged, OPT as the query's. */
  render(e: CacheEntry, msg: Buffer, q: ParsedQuery, maxSize: number): Buffer {
    const elapsed = Math.floor((this.clock.now() - e.storedAt) / 1000);
    const opt = q.edns ? 11 : 0;
    let len = e.wire.length + opt;
    const truncated = len > maxSize;
    const qEnd = q.questionEnd;
    if (truncated) len = qEnd + opt;
    const out = Buffer.allocUnsafe(len);
    e.wire.copy(out, 0, 0, truncated ? qEnd : e.wire.length);
    out.writeUInt16BE(q.id, 0);
    const up = e.wire.readUInt16BE(2);
    out.writeUInt16BE(FLAG_QR | (truncated ? FLAG_TC : 0) | (q.flags & (FLAG_RD | FLAG_CD)) | FLAG_RA | (up & 0x0020) | (up & 0xf), 2);
    msg.copy(out, 12, 12, qEnd);
    if (truncated) out.fill(0, 6, 12);
    else for (let i = 0; i < e.ttlAt.length; i++) out.writeUInt32BE(Math.max(0, e.ttls[i]! - elapsed), e.ttlAt[i]!);
    if (opt) {
      const at = len - 11;
      out.writeUInt16BE(out.readUInt16BE(10) + 1, 10);
      out[at] = 0;
      out.writeUInt16BE(41, at + 1);
      out.writeUInt16BE(SERVER_UDP_SIZE, at + 3);
      out.writeUInt32BE(q.dnssecOk ? 0x8000 : 0, at + 5);
      out.writeUInt16BE(0, at + 9);
    }
    return out;
  }
}
