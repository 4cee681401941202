import type { RecordIndex } from '../core/recordIndex.js';
import type { CompiledAnswer } from '../wire/encode.js';
import { type ParsedQuery, QNAME_WORDS } from '../wire/query.js';

const WORDS: Int32Array = QNAME_WORDS;

/** Names up to this many 32-bit words (64 bytes) are kept; longer ones always take the plain path. */
const KEY_WORDS = 16;
/** Per slot: hash, type and class, name length, generation, then the name's words. */
const HASH = 0;
const TYPE_CLASS = 1;
const LEN = 2;
const GEN = 3;
const KEY = 4;
const STRIDE = KEY + KEY_WORDS;

/**
 * Compiled answers keyed by the question's lower-cased name bytes, type and class, so a repeated
 * question is answered without making a string, hashing it in a Map, or walking the index: the
 * scan has already hashed the name while lower-casing it, and a hit compares the name in place,
 * four bytes at a time.
 *
 * Direct-mapped with two probes and bounded (`size` slots, overwritten on collision), so a flood of
 * distinct names costs a fixed amount of memory. The keys live in one Int32Array, a slot's
 * fields and name side by side: on a busy server the kernel and Node evict our data between two
 * datagrams, and a lookup then costs what it touches, so it touches one or two cache lines for
 * the key rather than a slot array, an entry object, a key object and its bytes.
 *
 * Any change to the index (`version`, `serial` or `synced`) starts a new generation: every entry
 * of an older one misses and is compiled again on the plain path.
 */
export class AnswerTable {
  private readonly cells: Int32Array;
  private readonly answers: (CompiledAnswer | undefined)[];
  private readonly mask: number;
  /** Slots hold this generation's entries when their GEN cell equals it (0: never written). */
  private gen = 1;
  private version = -1;
  private serial = -1;
  private synced = false;

  constructor(size = 1 << 15) {
    const n = 1 << Math.ceil(Math.log2(Math.max(2, size)));
    this.cells = new Int32Array(n * STRIDE);
    this.answers = new Array<CompiledAnswer | undefined>(n).fill(undefined);
    this.mask = n - 1;
  }

  /** The answer for the question just scanned into `q` (and QNAME_WORDS), if still current. */
  get(q: ParsedQuery, idx: RecordIndex): CompiledAnswer | undefined {
    if (q.nameLen > KEY_WORDS * 4) return undefined;
    this.follow(idx);
    const h = mix(q.nameHash, q.qtype);
    const a = h & this.mask;
    if (this.match(a, q, h)) return this.answers[a];
    const b = (a + 1) & this.mask;
    return this.match(b, q, h) ? this.answers[b] : undefined;
  }

  /** Remembers `c` for the question just scanned into `q` (still in QNAME_WORDS). */
  set(q: ParsedQuery, idx: RecordIndex, c: CompiledAnswer): void {
    if (q.nameLen > KEY_WORDS * 4) return;
    this.follow(idx);
    const h = mix(q.nameHash, q.qtype);
    const a = h & this.mask;
    const b = (a + 1) & this.mask;
    const cells = this.cells;
    // The first slot unless it holds a current entry for another question and the second is free or stale.
    const useB = cells[a * STRIDE + GEN] === this.gen && !this.match(a, q, h) && cells[b * STRIDE + GEN] !== this.gen;
    const s = useB ? b : a;
    const o = s * STRIDE;
    cells[o + HASH] = h;
    cells[o + TYPE_CLASS] = (q.qtype << 16) | q.qclass;
    cells[o + LEN] = q.nameLen;
    cells[o + GEN] = this.gen;
    const n = (q.nameLen + 3) >> 2;
    for (let i = 0; i < n; i++) cells[o + KEY + i] = WORDS[i]!;
    this.answers[s] = c;
  }

  /** Starts a new generation when the index has changed since the last call. */
  private follow(idx: RecordIndex): void {
    if (idx.version === this.version && idx.serial === this.serial && idx.synced === this.synced) return;
    this.version = idx.version;
    this.serial = idx.serial;
    this.synced = idx.synced;
    this.gen = this.gen === 0x7fffffff ? 1 : this.gen + 1;
    if (this.gen === 1) this.cells.fill(0); // wrapped: entries of the old generation 1 must not match
  }

  private match(s: number, q: ParsedQuery, h: number): boolean {
    const cells = this.cells;
    const o = s * STRIDE;
    if (cells[o + HASH] !== h || cells[o + GEN] !== this.gen || cells[o + LEN] !== q.nameLen || cells[o + TYPE_CLASS] !== ((q.qtype << 16) | q.qclass)) return false;
    const name = WORDS; // a local: an imported binding is reloaded on every use
    const n = (q.nameLen + 3) >> 2;
    for (let i = 0; i < n; i++) if (cells[o + KEY + i] !== name[i]) return false;
    return true;
  }
}

function mix(nameHash: number, qtype: number): number {
  return (nameHash ^ Math.imul(qtype, 0x9e3779b1)) & 0x3fffffff;
}
