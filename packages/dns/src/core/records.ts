/** Resource records as plain data: names are lower case without the trailing dot. */
export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export type RR =
  | { name: string; type: 'A' | 'AAAA' | 'PTR' | 'CNAME' | 'NS' | 'TXT'; ttl: number; data: string }
  | { name: string; type: 'SRV'; ttl: number; data: SrvData }
  | { name: string; type: 'SOA'; ttl: number; data: SoaData };

export type RRType = RR['type'];

/** Numeric RR types (RFC 1035 and successors) the index answers or names. */
export const QTYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
} as const;

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** What the index answers for one question. */
export interface Answer {
  rcode: number;
  answer: RR[];
  authority: RR[];
  additional: RR[];
  /** The zone that answered (its SOA is in the authority section of negative answers). */
  zone: string;
  /** Name error in a `fallthrough` zone: pass the question on instead of answering NXDOMAIN. */
  fallthrough?: boolean;
  /**
   * An ExternalName CNAME to a name outside the zone: a resolver appends the target's records of
   * this type (CoreDNS asks its upstream the same way).
   */
  chase?: { name: string; qtype: number };
}

export function rrTypeName(qtype: number): string {
  for (const [k, v] of Object.entries(QTYPE)) if (v === qtype) return k;
  return `TYPE${qtype}`;
}
