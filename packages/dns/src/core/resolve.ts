import { ipFromReverseName, ipFamily } from '@svcnet/model';
import { canonicalName } from './options.js';
import { type Answer, QTYPE, RCODE, type RR } from './records.js';
import type { RecordIndex } from './recordIndex.js';
import { type Item, type NameNode, canonicalAddress, isV6, itemsOf } from './serviceRecords.js';

/** CoreDNS's DNSSchemaVersion: the Kubernetes DNS specification this index implements. */
export const DNS_SCHEMA_VERSION = '1.1.0';
const MAX_CNAME_DEPTH = 8;

function isIn(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`) || zone === '';
}

/** The zone of `name` this index answers for (longest match), or undefined when it is not ours. */
export function zoneOf(idx: RecordIndex, name: string): { zone: string; reverse: boolean } | undefined {
  const o = idx.options;
  let best: { zone: string; reverse: boolean } | undefined;
  if (isIn(name, o.zone)) best = { zone: o.zone, reverse: false };
  for (const z of o.reverseZones) {
    if (isIn(name, z) && (!best || z.length > best.zone.length)) best = { zone: z, reverse: true };
  }
  return best;
}

export function soaRecord(idx: RecordIndex, zone: string): RR {
  const ttl = idx.options.ttl;
  const join = (l: string) => (zone ? `${l}.${zone}` : l);
  return {
    name: zone,
    type: 'SOA',
    ttl: Math.min(ttl, 300),
    data: { mname: join('ns.dns'), rname: join('hostmaster'), serial: idx.serial >>> 0, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl },
  };
}

function reply(rcode: number, zone: string, answer: RR[] = [], additional: RR[] = []): Answer {
  return { rcode, answer, authority: [], additional, zone };
}

/**
 * Answers one question from the index as the CoreDNS kubernetes plugin does (handler.go and
 * plugin/backend_lookup.go), or undefined when the name is outside the index's zones.
 * Negative answers (NXDOMAIN, and NOERROR without answers) carry the zone's SOA in authority.
 */
export function resolve(idx: RecordIndex, qname: string, qtype: number): Answer | undefined {
  return finish(idx, canonicalName(qname), qtype, 0);
}

function finish(idx: RecordIndex, name: string, qtype: number, depth: number): Answer | undefined {
  const z = zoneOf(idx, name);
  if (!z) return undefined;
  const a = z.reverse ? reverseAnswer(idx, name, qtype, z.zone) : forwardAnswer(idx, name, qtype, z.zone, depth);
  if (a.rcode === RCODE.NXDOMAIN) {
    // CoreDNS: a name error before the first sync may only be missing data, so SERVFAIL.
    if (!idx.synced) a.rcode = RCODE.SERVFAIL;
    else if (idx.options.fallthrough.some((f) => isIn(name, f))) a.fallthrough = true;
  }
  if (a.rcode !== RCODE.REFUSED && a.answer.length === 0) a.authority = [soaRecord(idx, z.zone)];
  return a;
}

function apexAnswer(idx: RecordIndex, qtype: number, zone: string): Answer {
  const ttl = idx.options.ttl;
  if (qtype === QTYPE.SOA) return reply(RCODE.NOERROR, zone, [soaRecord(idx, zone)]);
  if (qtype === QTYPE.NS) {
    const ns = zone ? `ns.dns.${zone}` : 'ns.dns';
    const glue: RR[] = idx.options.nsAddresses.map((ip) => ({ name: ns, type: ipFamily(ip) === 'IPv6' ? 'AAAA' : 'A', ttl, data: ip }));
    return reply(RCODE.NOERROR, zone, [{ name: zone, type: 'NS', ttl, data: ns }], glue);
  }
  return reply(RCODE.NOERROR, zone);
}

function reverseAnswer(idx: RecordIndex, name: string, qtype: number, zone: string): Answer {
  if (qtype === QTYPE.AXFR || qtype === QTYPE.IXFR) return reply(RCODE.REFUSED, zone);
  if (name === zone) return apexAnswer(idx, qtype, zone);
  if (qtype === QTYPE.SOA) return reply(RCODE.NOERROR, zone);
  const rel = name.slice(0, name.length - zone.length - 1);
  if (qtype === QTYPE.TXT && !rel.includes('.')) return reply(RCODE.NOERROR, zone);
  if (qtype !== QTYPE.PTR) return reply(RCODE.NXDOMAIN, zone);
  const ip = ipFromReverseName(name);
  const targets = ip ? idx.ptrTargets(ip) : [];
  if (targets.length === 0) return reply(RCODE.NXDOMAIN, zone);
  const ttl = idx.options.ttl;
  return reply(RCODE.NOERROR, zone, targets.map((t) => ({ name, type: 'PTR', ttl, data: t })));
}

function forwardAnswer(idx: RecordIndex, name: string, qtype: number, zone: string, depth: number): Answer {
  if (qtype === QTYPE.AXFR || qtype === QTYPE.IXFR) return reply(RCODE.REFUSED, zone);
  if (name === zone) return apexAnswer(idx, qtype, zone);
  // CoreDNS answers SOA at the apex only; elsewhere it is NODATA, whether or not the name exists.
  if (qtype === QTYPE.SOA) return reply(RCODE.NOERROR, zone);
  const rel = name.slice(0, name.length - zone.length - 1);
  const ttl = idx.options.ttl;
  if (qtype === QTYPE.TXT && !rel.includes('.')) {
    const txt: RR[] = rel === 'dns-version' ? [{ name, type: 'TXT', ttl: 28800, data: DNS_SCHEMA_VERSION }] : [];
    return reply(RCODE.NOERROR, zone, txt);
  }
  if (rel === 'ns.dns') {
    const want = qtype === QTYPE.A ? false : qtype === QTYPE.AAAA ? true : undefined;
    const ips = want === undefined ? [] : idx.options.nsAddresses.filter((ip) => (ipFamily(ip) === 'IPv6') === want);
    return reply(RCODE.NOERROR, zone, ips.map((ip) => ({ name, type: want ? 'AAAA' : 'A', ttl, data: ip })));
  }
  const node = idx.names.get(name);
  if (node) return nodeAnswer(idx, node, name, qtype, zone, depth);
  return missingName(idx, rel, name, qtype, zone);
}

function nodeAnswer(idx: RecordIndex, node: NameNode, name: string, qtype: number, zone: string, depth: number): Answer {
  const ttl = idx.options.ttl;
  if (node.alias !== undefined) {
    const cname: RR = { name, type: 'CNAME', ttl, data: node.alias };
    if (qtype === QTYPE.CNAME) return reply(RCODE.NOERROR, zone, [cname]);
    if (qtype !== QTYPE.A && qtype !== QTYPE.AAAA && qtype !== QTYPE.TXT) return reply(RCODE.NOERROR, zone);
    if (node.alias === name || depth >= MAX_CNAME_DEPTH) return reply(RCODE.NOERROR, zone);
    if (zoneOf(idx, node.alias)) {
      // In-zone target: CoreDNS adds the CNAME only together with the target's records.
      const sub = finish(idx, node.alias, qtype, depth + 1);
      const ok = sub && sub.rcode === RCODE.NOERROR && sub.answer.length > 0;
      return reply(RCODE.NOERROR, zone, ok ? [cname, ...sub.answer] : []);
    }
    const a = reply(RCODE.NOERROR, zone, [cname]);
    a.chase = { name: node.alias, qtype };
    return a;
  }
  if (qtype === QTYPE.A || qtype === QTYPE.AAAA) return reply(RCODE.NOERROR, zone, addressRecords(name, itemsOf(node), qtype === QTYPE.AAAA, ttl));
  if (qtype === QTYPE.SRV) {
    const { answer, additional } = srvRecords(name, itemsOf(node), ttl);
    return reply(RCODE.NOERROR, zone, answer, additional);
  }
  return reply(RCODE.NOERROR, zone);
}

function addressRecords(name: string, items: readonly Item[], v6: boolean, ttl: number): RR[] {
  const seen = new Set<string>();
  const out: RR[] = [];
  for (const it of items) {
    if (isV6(it) !== v6 || seen.has(it.ip)) continue;
    seen.add(it.ip);
    out.push({ name, type: v6 ? 'AAAA' : 'A', ttl, data: it.ip });
  }
  return out;
}

/** plugin.SRV: weight 100/N over all N items (at least 1), one record per (target, port), glue per (target, address). */
export function srvRecords(name: string, items: readonly Item[], ttl: number): { answer: RR[]; additional: RR[] } {
  const answer: RR[] = [];
  const additional: RR[] = [];
  const seen = new Set<string>();
  const weight = Math.max(1, Math.floor((100 / (100 * items.length)) * 100));
  for (const it of items) {
    if (it.port === -1) continue;
    const k = `${it.target}|${it.port}`;
    if (!seen.has(k)) {
      seen.add(k);
      answer.push({ name, type: 'SRV', ttl, data: { priority: 0, weight, port: it.port, target: it.target } });
    }
    const g = `${it.target}|${it.ip}`;
    if (!seen.has(g)) {
      seen.add(g);
      additional.push({ name: it.target, type: isV6(it) ? 'AAAA' : 'A', ttl, data: it.ip });
    }
  }
  return { answer, additional };
}

/** A name with no records of its own: NODATA or NXDOMAIN as CoreDNS's parseRequest/findServices/findPods decide. */
function missingName(idx: RecordIndex, rel: string, name: string, qtype: number, zone: string): Answer {
  if (rel === 'svc' || rel === 'pod') return reply(RCODE.NOERROR, zone);
  const segs = rel.split('.');
  const kind = segs[segs.length - 1];
  if ((kind !== 'svc' && kind !== 'pod') || segs.length > 5) return reply(RCODE.NXDOMAIN, zone);
  const ns = segs[segs.length - 2]!;
  const exposed = idx.namespaceExposed(ns);
  if (kind === 'pod' && idx.options.pods === 'disabled') return reply(RCODE.NXDOMAIN, zone);
  if (segs.length === 2) return reply(exposed ? RCODE.NOERROR : RCODE.NXDOMAIN, zone);
  if (kind === 'svc' || segs.length !== 3 || !exposed) return reply(RCODE.NXDOMAIN, zone);
  // <a-b-c-d>.<ns>.pod.<zone>: the dashed address of a Pod.
  const podName = segs[0]!;
  const dashes = podName.split('-').length - 1;
  const text = dashes === 3 && !podName.includes('--') ? podName.replaceAll('-', '.') : podName.replaceAll('-', ':');
  const ip = canonicalAddress(text);
  if (!ip) return reply(RCODE.NXDOMAIN, zone);
  if (idx.options.pods === 'verified' && !idx.podExists(ip, ns)) return reply(RCODE.NXDOMAIN, zone);
  const v6 = ipFamily(ip) === 'IPv6';
  const ttl = idx.options.ttl;
  if ((qtype === QTYPE.A && !v6) || (qtype === QTYPE.AAAA && v6)) {
    return reply(RCODE.NOERROR, zone, [{ name, type: v6 ? 'AAAA' : 'A', ttl, data: ip }]);
  }
  return reply(RCODE.NOERROR, zone);
}
