import { randomFillSync } from 'node:crypto';

/**
 * Query IDs from the operating system's CSPRNG (RFC 5452 section 9.2: IDs an off-path attacker
 * cannot predict; miekg/dns, which CoreDNS's forward uses, draws its `dns.Id()` from crypto/rand
 * too). Drawn from a buffer refilled 256 IDs at a time, so a query costs an array read, not a
 * system call.
 */
const ids = new Uint16Array(256);
let nextId = ids.length;

export function randomQueryId(): number {
  if (nextId === ids.length) {
    randomFillSync(ids);
    nextId = 0;
  }
  return ids[nextId++]!;
}

/**
 * True when `m` is the reply to the query with `id` asking `question` (the question section's
 * bytes: name, type, class): a response (QR), the same ID, exactly one question, the same name
 * compared case-insensitively (RFC 5452 section 9.1 and RFC 4343; CoreDNS request.Match lower-cases
 * the name too), and the same type and class byte for byte. The name is compared label by label,
 * so a length octet or the type and class are never case-folded.
 */
export function isReplyTo(m: Buffer, id: number, question: Buffer): boolean {
  if (m.length < 12 + question.length) return false;
  if (((m[0]! << 8) | m[1]!) !== id || !(m[2]! & 0x80)) return false;
  if (m[4] !== 0 || m[5] !== 1) return false;
  let i = 0;
  for (;;) {
    if (i >= question.length) return false; // our own question is malformed: match nothing
    const l = question[i]!;
    if (m[12 + i] !== l) return false; // a label length, or a pointer where our name has a label
    i++;
    if (l === 0) break;
    for (const end = i + l; i < end; i++) {
      let x = question[i]!;
      let y = m[12 + i]!;
      if (x >= 0x41 && x <= 0x5a) x |= 0x20;
      if (y >= 0x41 && y <= 0x5a) y |= 0x20;
      if (x !== y) return false;
    }
  }
  for (const end = i + 4; i < end; i++) if (question[i] !== m[12 + i]) return false;
  return true;
}
