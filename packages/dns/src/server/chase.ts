import * as dnsPacket from 'dns-packet';
import type { Answer } from '../core/records.js';
import { SERVER_UDP_SIZE } from '../wire/message.js';
import type { ParsedQuery } from '../wire/query.js';

/**
 * Completes an ExternalName answer: our CNAME, then the target's records from the upstream (as
 * CoreDNS's plugin.A asks its Upstreamer). Built with dns-packet: this is the slow, rare path.
 * When the upstream has nothing, the CNAME alone is returned, as the DNS spec's ExternalName record.
 */
export async function chaseAnswer(
  msg: Buffer,
  q: ParsedQuery,
  a: Answer,
  maxSize: number,
  lookup: (name: string, qtype: number) => Promise<Buffer | undefined>,
): Promise<Buffer> {
  const query = dnsPacket.decode(msg);
  const question = query.questions?.[0];
  const answers: dnsPacket.Answer[] = a.answer.map((rr) => ({
    name: rr.name === a.answer[0]!.name && question ? question.name : rr.name,
    type: 'CNAME',
    ttl: rr.ttl,
    data: rr.data as string,
  }));
  const target = a.chase!;
  const up = await lookup(target.name, target.qtype).catch(() => undefined);
  if (up && up.length >= 12 && (up[3]! & 0xf) === 0) {
    try {
      for (const rr of dnsPacket.decode(up).answers ?? []) answers.push(rr);
    } catch {
      // an undecodable upstream answer leaves the CNAME alone
    }
  }
  const flags = dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | (q.flags & dnsPacket.RECURSION_DESIRED);
  const opt: dnsPacket.Answer[] = q.edns ? [{ name: '.', type: 'OPT', udpPayloadSize: SERVER_UDP_SIZE, flags: q.dnssecOk ? dnsPacket.DNSSEC_OK : 0, options: [] } as unknown as dnsPacket.Answer] : [];
  const full = dnsPacket.encode({ id: q.id, type: 'response', flags, questions: query.questions, answers, additionals: opt });
  if (full.length <= maxSize) return full;
  return dnsPacket.encode({ id: q.id, type: 'response', flags: flags | dnsPacket.TRUNCATED_RESPONSE, questions: query.questions, answers: [], additionals: opt });
}
