import type { RecordIndex } from '../core/recordIndex.js';
import type { CompiledAnswer } from '../wire/encode.js';
import { type ParsedQuery, QNAME_WORDS } from '../wire/query.js';

const WORDS: Int32Array = QNAME_WORDS;

/** 32-bit words holding a name of `n` bytes with its zero padding. */
const wordsFor = (n: number): number => (n + 3) >> 2;

interface Entry {
  hash: number;
  qtype: number;
  qclass: number;
  /** The name's length in bytes, and its bytes as words (zero-padded, as the scan leaves them). */
  len: number;
  key: Int32Array;
  /** The index state the answer was made from: any change to the index makes every entry stale. */
  version: number;
  serial: number;
  synced: boolean;
  c: CompiledAnswer;
}

/**
 * Compiled answers keyed by the question's lower-cased name bytes, type and class, so a repeated
 * question is answered without making a string, hashing it in a Map, or walking the index: the
 * scan has already hashed the name while lower-casing it, and a hit compares the bytes in place, four at a time.
 *
 * Direct-mapped with two probes and bounded (`size` slots, overwritten on collision), so a flood of
 * distinct names costs a fixed amount of memory. Entries remember the index's `version`, `serial`
 * and `synced`: after any change they miss and are compiled again on the plain path.
 */
export class AnswerTable {
  private readonly slots: (Entry | undefined)[];
  private readonly mask: number;

  constructor(size = 1 << 15) {
    const n = 1 << Math.ceil(Math.log2(Math.max(2, size)));
    this.slots = new Array<Entry | undefined>(n).fill(undefined);
    this.mask = n - 1;
  }

  /** The answer for the question just scanned into `q` (and QNAME_WORDS), if still current. */
  get(q: ParsedQuery, idx: RecordIndex): CompiledAnswer | undefined {
    const h = mix(q.nameHash, q.qtype);
    const e = this.match(this.slots[h & this.mask], q, h) ?? this.match(this.slots[(h + 1) & this.mask], q, h);
    if (e === undefined || e.version !== idx.version || e.serial !== idx.serial || e.synced !== idx.synced) return undefined;
    return e.c;
  }

  /** Remembers `c` for the question just scanned into `q` (still in QNAME_WORDS). */
  set(q: ParsedQuery, idx: RecordIndex, c: CompiledAnswer): void {
    const h = mix(q.nameHash, q.qtype);
    const e: Entry = {
      hash: h, qtype: q.qtype, qclass: q.qclass, len: q.nameLen, key: WORDS.slice(0, wordsFor(q.nameLen)),
      version: idx.version, serial: idx.serial, synced: idx.synced, c,
    };
    const a = h & this.mask;
    const b = (h + 1) & this.mask;
    // The first slot unless it holds a current entry for another question and the second is free or stale.
    const cur = this.slots[a];
    const useB = cur !== undefined && !this.same(cur, e) && cur.version === idx.version && (this.slots[b] === undefined || this.slots[b]!.version !== idx.version);
    this.slots[useB ? b : a] = e;
  }

  private same(x: Entry, y: Entry): boolean {
    return x.hash === y.hash && x.qtype === y.qtype && x.qclass === y.qclass && x.len === y.len && x.key.every((v, i) => v === y.key[i]);
  }

  private match(e: Entry | undefined, q: ParsedQuery, h: number): Entry | undefined {
    if (e === undefined || e.hash !== h || e.qtype !== q.qtype || e.qclass !== q.qclass) return undefined;
    if (e.len !== q.nameLen) return undefined;
    // Four bytes per step: a byte loop here cost more than the rest of the lookup together.
    const key = e.key;
    const name = WORDS; // a local: an imported binding is reloaded on every use
    const n = key.length;
    for (let i = 0; i < n; i++) if (key[i] !== name[i]) return undefined;
    return e;
  }
}

function mix(nameHash: number, qtype: number): number {
  return (nameHash ^ Math.imul(qtype, 0x9e3779b1)) & 0x3fffffff;
}
