import { reverseName } from '@svcnet/model';
import { QTYPE, type RR } from './records.js';
import type { RecordIndex } from './recordIndex.js';
import { DNS_SCHEMA_VERSION, resolve, soaRecord, srvRecords } from './resolve.js';
import { itemsOf } from './serviceRecords.js';

const fqdn = (n: string) => (n.endsWith('.') ? n : `${n}.`);

/** One record in zone-file presentation format (RFC 1035 section 5), absolute names. */
export function formatRR(rr: RR): string {
  let data: string;
  switch (rr.type) {
    case 'SRV':
      data = `${rr.data.priority} ${rr.data.weight} ${rr.data.port} ${fqdn(rr.data.target)}`;
      break;
    case 'SOA': {
      const s = rr.data;
      data = `${fqdn(s.mname)} ${fqdn(s.rname)} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
      break;
    }
    case 'TXT':
      data = `"${rr.data.replace(/["\\]/g, (c) => `\\${c}`)}"`;
      break;
    case 'CNAME':
    case 'PTR':
    case 'NS':
      data = fqdn(rr.data);
      break;
    default:
      data = rr.data;
  }
  return `${fqdn(rr.name)}\t${rr.ttl}\tIN\t${rr.type}\t${data}`;
}

export interface ZoneRecordsOptions {
  /** Include PTR records (owners under in-addr.arpa / ip6.arpa). Default true. */
  reverse?: boolean;
}

/**
 * Every record the index answers, in a stable order: the apex (SOA, NS, glue, dns-version), then
 * each name's A, AAAA, SRV or CNAME records sorted by name, then PTR records. This is what the
 * server would answer for those names and types, so a zone file made from it (for knot, for a
 * review) answers the same.
 */
export function zoneRecords(idx: RecordIndex, options: ZoneRecordsOptions = {}): RR[] {
  const z = idx.options.zone;
  const ttl = idx.options.ttl;
  const out: RR[] = [soaRecord(idx, z)];
  out.push(...(resolve(idx, z, QTYPE.NS)?.answer ?? []), ...(resolve(idx, z, QTYPE.NS)?.additional ?? []));
  out.push({ name: `dns-version.${z}`, type: 'TXT', ttl: 28800, data: DNS_SCHEMA_VERSION });
  for (const name of [...idx.names.keys()].sort()) {
    const node = idx.names.get(name)!;
    if (node.alias !== undefined) {
      out.push({ name, type: 'CNAME', ttl, data: node.alias });
      continue;
    }
    out.push(...(resolve(idx, name, QTYPE.A)?.answer ?? []), ...(resolve(idx, name, QTYPE.AAAA)?.answer ?? []));
    out.push(...srvRecords(name, itemsOf(node), ttl).answer);
  }
  if (options.reverse ?? true) {
    const ptrs: RR[] = [];
    for (const ip of idx.ptrAddresses()) {
      const owner = reverseName(ip)!.replace(/\.$/, '');
      for (const t of idx.ptrTargets(ip)) ptrs.push({ name: owner, type: 'PTR', ttl, data: t });
    }
    ptrs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    out.push(...ptrs);
  }
  return out;
}

/** The zone as a zone file: `$ORIGIN`, `$TTL`, then every record (see zoneRecords). */
export function renderZone(idx: RecordIndex, options: ZoneRecordsOptions = {}): string {
  const lines = [`$ORIGIN ${fqdn(idx.options.zone)}`, `$TTL ${idx.options.ttl}`];
  for (const rr of zoneRecords(idx, options)) lines.push(formatRR(rr));
  return `${lines.join('\n')}\n`;
}
