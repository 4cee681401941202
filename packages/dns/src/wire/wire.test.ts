import * as dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordIndex } from '../core/recordIndex.js';
import { QTYPE } from '../core/records.js';
import { resolve } from '../core/resolve.js';
import { coreDnsHandlerFixture } from '../../test/fixtures.js';
import { compileAnswer } from './encode.js';
import { writeAnswer } from './message.js';
import { PARSE_OK, newParsedQuery, parseQuery } from './query.js';

const label = fc.stringMatching(/^[a-zA-Z0-9-]{1,20}$/);

describe('wire: hand-written query parser and precompiled answers', () => {
  it('parses what dns-packet encodes (name lower-cased, type, class, EDNS size)', () => {
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 65535 }), fc.boolean(), (labels, size, edns) => {
        const name = labels.join('.');
        const msg = dnsPacket.encode({
          id: 7, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'SRV', class: 'IN' }],
          additionals: edns ? [{ name: '.', type: 'OPT', udpPayloadSize: size, flags: 0, options: [] } as unknown as dnsPacket.Answer] : [],
        });
        const q = newParsedQuery();
        expect(parseQuery(msg, q)).toBe(PARSE_OK);
        expect(q).toMatchObject({ id: 7, name: name.toLowerCase(), qtype: 33, qclass: 1, edns, udpSize: edns ? Math.max(512, size) : 512 });
      }),
    );
  });

  it('never throws on arbitrary bytes', () => {
    const q = newParsedQuery();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      parseQuery(Buffer.from(b), q);
    }));
  });

  it('precompiled answers decode to the resolver answer, with the question spelling echoed', () => {
    const idx = RecordIndex.from(coreDnsHandlerFixture());
    const cases: [string, number][] = [
      ['_http._tcp.HDLS1.testns.svc.cluster.local', QTYPE.SRV],
      ['svc-dual-stack.testns.svc.cluster.local', QTYPE.SRV],
      ['Svc1.testns.svc.cluster.local', QTYPE.A],
      ['cluster.local', QTYPE.NS],
      ['cluster.local', QTYPE.SOA],
      ['svc0.testns.svc.cluster.local', QTYPE.A],
      ['dns-version.cluster.local', QTYPE.TXT],
    ];
    for (const [name, qtype] of cases) {
      const msg = dnsPacket.encode({ id: 99, type: 'query', questions: [{ name, type: qtype === QTYPE.SRV ? 'SRV' : qtype === QTYPE.NS ? 'NS' : qtype === QTYPE.SOA ? 'SOA' : qtype === QTYPE.TXT ? 'TXT' : 'A', class: 'IN' }] });
      const q = newParsedQuery();
      parseQuery(msg, q);
      const a = resolve(idx, name, qtype)!;
      const out = dnsPacket.decode(writeAnswer(msg, q, compileAnswer(a, q.name), 65535, true));
      expect(out.id).toBe(99);
      expect(out.questions![0]!.name).toBe(name);
      expect(out.answers!.length).toBe(a.answer.length);
      for (const [i, rr] of a.answer.entries()) {
        const got = out.answers![i]! as dnsPacket.Answer & { data: unknown };
        expect(got.type).toBe(rr.type);
        expect(got.name.toLowerCase()).toBe(rr.name);
        if (i === 0 && rr.name === q.name) expect(got.name).toBe(name);
        if (rr.type === 'SRV') expect(got.data).toEqual(rr.data);
        else if (rr.type === 'TXT') expect(String((got.data as Buffer[])[0])).toBe(rr.data);
        else if (rr.type !== 'SOA') expect(got.data).toBe(rr.data);
      }
      expect(out.authorities!.map((r) => r.type)).toEqual(a.authority.map((r) => r.type));
      expect(out.additionals!.map((r) => `${r.name} ${String((r as { data?: unknown }).data)}`)).toEqual(a.additional.map((r) => `${r.name} ${String(r.data)}`));
    }
  });

  it('a reply cut to any size keeps whole records, in section order, and decodes (TC when any was left out)', () => {
    const idx = RecordIndex.from(coreDnsHandlerFixture());
    const name = '_http._tcp.hdls1.testns.svc.cluster.local';
    const msg = dnsPacket.encode({ id: 5, type: 'query', questions: [{ name, type: 'SRV', class: 'IN' }] });
    const q = newParsedQuery();
    parseQuery(msg, q);
    const a = resolve(idx, name, QTYPE.SRV)!;
    const c = compileAnswer(a, q.name);
    const full = q.questionEnd + c.tail.length;
    fc.assert(
      fc.property(fc.integer({ min: q.questionEnd, max: full + 10 }), (size) => {
        const wire = writeAnswer(msg, q, c, size, true);
        expect(wire.length).toBeLessThanOrEqual(Math.max(size, q.questionEnd));
        const out = dnsPacket.decode(wire);
        const kept = (out.answers?.length ?? 0) + (out.authorities?.length ?? 0) + (out.additionals?.length ?? 0);
        expect(out.flag_tc).toBe(kept < a.answer.length + a.authority.length + a.additional.length);
        // A prefix of the records: every answer before any additional.
        if ((out.additionals?.length ?? 0) > 0) expect(out.answers?.length).toBe(a.answer.length);
        out.answers?.forEach((rr, i) => expect(rr.name.toLowerCase()).toBe(a.answer[i]!.name));
      }),
    );
  });
});
