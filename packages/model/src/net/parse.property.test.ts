// The hand-written parser (parse.ts) against the regex parser it replaced, kept here as the oracle:
// same answer for random text, for valid addresses of both families and for near-misses of them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIP } from './parse.js';

// ---- the previous implementation (regex based), verbatim ----
const DEC_OCTET = /^(0|[1-9]\d{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIPv4Value(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!DEC_OCTET.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseGroups(text: string): number[] | undefined {
  if (text === '') return [];
  const out: number[] = [];
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (i === parts.length - 1 && p.includes('.')) {
      const v4 = parseIPv4Value(p);
      if (v4 === undefined) return undefined;
      out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else {
      if (!HEX_GROUP.test(p)) return undefined;
      out.push(parseInt(p, 16));
    }
  }
  return out;
}

function parseIPv6Value(s: string): bigint | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const head = parseGroups(halves[0]!);
    const tail = parseGroups(halves[1]!);
    if (!head || !tail) return undefined;
    // An embedded IPv4 address is only allowed at the very end.
    if (halves[0]!.includes('.')) return undefined;
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined; // "::" must stand for at least one group
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    const all = parseGroups(s);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

function oracle(s: string): { family: 'IPv4' | 'IPv6'; value: bigint } | undefined {
  if (typeof s !== 'string' || s.length === 0 || s.length > 45) return undefined;
  if (s.includes(':')) {
    const value = parseIPv6Value(s);
    return value === undefined ? undefined : { family: 'IPv6', value };
  }
  const value = parseIPv4Value(s);
  return value === undefined ? undefined : { family: 'IPv4', value };
}
// ---- end of the previous implementation ----

const same = (s: string): void => {
  expect(parseIP(s), JSON.stringify(s)).toEqual(oracle(s));
};
const RUNS = { numRuns: 3000 };
const ipChars = fc.constantFrom(...'0123456789abcdefABCDEFgx.:% /-'.split(''));
const ipLikeText = fc.array(ipChars, { maxLength: 48 }).map((cs) => cs.join(''));
const anyAddress = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended());
/** A valid address with one character inserted, removed or replaced. */
const nearMiss = fc.tuple(anyAddress, fc.nat(), ipChars, fc.constantFrom('insert', 'remove', 'replace')).map(([t, at, c, op]) => {
  const i = at % (t.length + 1);
  if (op === 'insert') return t.slice(0, i) + c + t.slice(i);
  if (op === 'remove') return t.slice(0, i) + t.slice(i + 1);
  return t.slice(0, i) + c + t.slice(i + 1);
});

describe('parseIP agrees with the regex parser it replaced', () => {
  it('on random strings', () => fc.assert(fc.property(fc.string({ maxLength: 50 }), (s) => same(s)), RUNS));
  it('on random address-like text', () => fc.assert(fc.property(ipLikeText, (s) => same(s)), RUNS));
  it('on valid addresses', () => fc.assert(fc.property(anyAddress, (s) => same(s)), RUNS));
  it('on near-misses of valid addresses', () => fc.assert(fc.property(nearMiss, (s) => same(s)), RUNS));
  it.each([
    '', ':', '::', ':::', '::::', '1::', '::1', ':1::', '1:', '1:::2', '::1:', '1::2::3', '::ffff:1.2.3.4', '1.2.3.4::', '::1.2.3.4:1',
    '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::', '1:2:3:4:5:6::1.2.3.4', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4',
    '::a.1.2.3', '::1.2.3.04', '0.0.0.0', '255.255.255.255', '256.0.0.0', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1..2.3', '00000::1',
    '1:2:3:4:5:6:7:8%eth0', 'fe80::1%1', 'FFFF::', '1.2.3.4 ', ' 1.2.3.4', '١.٢.٣.٤', '0:0:0:0:0:0:0:0', '::ffff:255.255.255.255',
  ])('%j', (s) => same(s));
});
