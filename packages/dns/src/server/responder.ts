import type { RecordIndex } from '../core/recordIndex.js';
import { type Answer, RCODE } from '../core/records.js';
import { resolve, zoneOf } from '../core/resolve.js';
import { type CompiledAnswer, compileAnswer } from '../wire/encode.js';
import { writeAnswer, writeError } from '../wire/message.js';
import { type ParsedQuery, fillName } from '../wire/query.js';
import { AnswerTable } from './answerTable.js';

/** What the local zone does with a question: a reply, a CNAME to complete upstream, or not ours. */
export type LocalResult = Buffer | Answer | undefined;

/**
 * Answers questions in the cluster zone from the index with answers encoded once per (name, type):
 * the first query compiles the sections into bytes kept on the name's node, later ones copy them
 * behind a patched header and the query's own question. Negative answers share one encoding per
 * (zone, rcode, serial), since they differ only in the question. Every compiled answer, positive or
 * negative, is also kept in a byte-keyed table, so a repeated question is answered straight from
 * the scanned bytes: no name string, no Map lookup, no resolve.
 */
export class Responder {
  private readonly negative = new Map<string, { serial: number; synced: boolean; c: CompiledAnswer }>();

  private readonly table = new AnswerTable();

  constructor(private readonly index: RecordIndex) {}

  /**
   * Answers the question `scanQuery` just put in `q` (its name bytes still in the scratch). On a
   * table miss this sets `q.name`; callers that go on (forwarding) read it from there.
   */
  answer(msg: Buffer, q: ParsedQuery, maxSize: number): LocalResult {
    const idx = this.index;
    if (!q.nameExact) {
      fillName(q);
      return undefined;
    }
    const hit = this.table.get(q, idx);
    if (hit) return writeAnswer(msg, q, hit, maxSize, true);
    return this.miss(msg, q, maxSize);
  }

  /**
   * The compiled answer for the question `scanQuery` just put in `q`, when one is current: what a
   * repeated question costs besides writing the reply. Allocates nothing (a test checks that).
   */
  cached(q: ParsedQuery): CompiledAnswer | undefined {
    return q.nameExact ? this.table.get(q, this.index) : undefined;
  }

  private miss(msg: Buffer, q: ParsedQuery, maxSize: number): LocalResult {
    const idx = this.index;
    fillName(q);
    const name = q.name;
    if (q.qclass !== 1 && q.qclass !== 255) return zoneOf(idx, name) ? writeError(msg, q, RCODE.REFUSED) : undefined;
    const node = idx.names.get(name);
    if (node) {
      const c = node.wire?.get(q.qtype) as CompiledAnswer | undefined;
      if (c) {
        this.table.set(q, idx, c);
        return writeAnswer(msg, q, c, maxSize, true);
      }
    }
    const a = resolve(idx, name, q.qtype);
    if (!a || a.fallthrough) return undefined;
    if (a.chase) return a;
    if (a.rcode === RCODE.REFUSED) return writeError(msg, q, a.rcode);
    const c = a.answer.length === 0 ? this.negativeTail(a) : compileAnswer(a, name);
    // Positive answers exist only for a handful of types per name, so this map stays small.
    if (node && a.answer.length > 0) (node.wire ??= new Map()).set(q.qtype, c);
    this.table.set(q, idx, c);
    return writeAnswer(msg, q, c, maxSize, true);
  }

  private negativeTail(a: Answer): CompiledAnswer {
    const key = `${a.zone}|${a.rcode}`;
    const hit = this.negative.get(key);
    if (hit && hit.serial === this.index.serial && hit.synced === this.index.synced) return hit.c;
    // Uncompressed: nothing points into the question or at fixed offsets, so it fits any question.
    const c = compileAnswer(a, null);
    this.negative.set(key, { serial: this.index.serial, synced: this.index.synced, c });
    return c;
  }
}
