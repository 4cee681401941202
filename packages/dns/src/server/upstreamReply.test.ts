import * as dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { encodeQuestion } from '../wire/question.js';
import { isReplyTo, randomQueryId } from './upstreamReply.js';

const question = encodeQuestion('Victim.Example.com', 1);
const reply = (o: { id?: number; name?: string; type?: string; klass?: string; response?: boolean; questions?: number } = {}) => {
  const q = { name: o.name ?? 'victim.example.COM', type: o.type ?? 'A', class: o.klass ?? 'IN' } as dnsPacket.Question;
  return dnsPacket.encode({ id: o.id ?? 4242, type: o.response === false ? 'query' : 'response', questions: Array.from({ length: o.questions ?? 1 }, () => q) });
};

describe('isReplyTo: an upstream answer counts only for its own query (RFC 5452 section 9.1)', () => {
  it.each([
    ['the reply, name in another case', question, reply(), true],
    ['another ID', question, reply({ id: 4243 }), false],
    ['a query, not a response (QR clear)', question, reply({ response: false }), false],
    ['another name', question, reply({ name: 'victim.example.org' }), false],
    ['a longer name sharing the prefix', question, reply({ name: 'victim.example.com.evil' }), false],
    ['another type', question, reply({ type: 'AAAA' }), false],
    // Types 97 and 65 (HTTPS) differ by the 0x20 bit that case-folding flips: type bytes are never folded.
    ['a type that differs only in the ASCII case bit', encodeQuestion('x.test', 97), reply({ name: 'x.test', type: 'HTTPS' }), false],
    ['another class', question, reply({ klass: 'CH' }), false],
    ['two questions', question, reply({ questions: 2 }), false],
    ['no question', question, dnsPacket.encode({ id: 4242, type: 'response', questions: [] }), false],
    ['a truncated header', question, reply().subarray(0, 11), false],
  ] as const)('%s', (_what, q, m, want) => {
    expect(isReplyTo(m, 4242, q)).toBe(want);
  });
});

describe('randomQueryId', () => {
  it('draws 16-bit IDs that do not repeat in a pattern', () => {
    const ids = Array.from({ length: 4096 }, () => randomQueryId());
    expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id <= 0xffff)).toBe(true);
    // 4096 draws from 65,536 values: a CSPRNG gives about 3,970 distinct ones; a counter or a stuck
    // source gives 4096 consecutive or 1. Neither consecutive runs nor few values are allowed.
    expect(new Set(ids).size).toBeGreaterThan(3800);
    expect(ids.filter((id, i) => i > 0 && id === ((ids[i - 1]! + 1) & 0xffff)).length).toBeLessThan(20);
  });
});
