import { describe, expect, it } from 'vitest';
import { coreDnsHandlerFixture, slice, svc } from '../../test/fixtures.js';
import { RecordIndex } from './recordIndex.js';
import { QTYPE, RCODE, type RR } from './records.js';
import { resolve } from './resolve.js';
import { formatRR } from './zoneFile.js';

type QT = keyof typeof QTYPE;
interface Case {
  qname: string;
  qtype: QT;
  rcode: keyof typeof RCODE;
  answer?: string[];
  ns?: string[];
  extra?: string[];
}

/** As CoreDNS's test.SortAndCheck: sections compared as sorted record texts (TTLs included). */
const norm = (rrs: RR[]) => rrs.map((r) => formatRR(r).replace(/\s+/g, ' ')).sort();
const text = (lines: string[] = []) => lines.map((l) => l.replace(/\s+/g, ' ')).sort();
const SOA = (zone = 'cluster.local', ttl = 5) =>
  `${zone}. ${ttl} IN SOA ns.dns.${zone}. hostmaster.${zone}. 1499347823 7200 1800 86400 ${ttl}`;

function check(idx: RecordIndex, c: Case): void {
  const a = resolve(idx, c.qname, QTYPE[c.qtype]);
  expect(a, `${c.qname} ${c.qtype}`).toBeDefined();
  expect({ q: `${c.qname} ${String(c.qtype)}`, rcode: a!.rcode, answer: norm(a!.answer), ns: norm(a!.authority), extra: norm(a!.additional) }).toEqual({
    q: `${c.qname} ${String(c.qtype)}`,
    rcode: RCODE[c.rcode],
    answer: text(c.answer),
    ns: text(c.ns),
    extra: text(c.extra),
  });
}

function index(opts: ConstructorParameters<typeof RecordIndex>[0] = {}, more: Parameters<typeof RecordIndex.from>[0] = {}): RecordIndex {
  const f = coreDnsHandlerFixture();
  const idx = RecordIndex.from(
    { services: [...f.services, ...(more.services ?? [])], endpointSlices: [...f.endpointSlices, ...(more.endpointSlices ?? [])], pods: more.pods ?? [] },
    opts,
  );
  idx.serial = 1499347823;
  return idx;
}

// plugin/kubernetes/handler_test.go dnsTestCases (CoreDNS 1.11+), with k.Namespaces = {testns}.
// The wildcard cases of older CoreDNS are left out: wildcard queries were deprecated and removed.
const handlerCases: Case[] = [
  { qname: 'svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
  { qname: 'svcempty.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svcempty.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
  { qname: 'svc1.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc1.testns.svc.cluster.local.'], extra: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
  { qname: 'svcempty.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', answer: ['svcempty.testns.svc.cluster.local. 5 IN SRV 0 100 80 svcempty.testns.svc.cluster.local.'], extra: ['svcempty.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
  { qname: 'svc6.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', answer: ['svc6.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc6.testns.svc.cluster.local.'], extra: ['svc6.testns.svc.cluster.local. 5 IN AAAA 1234:abcd::1'] },
  { qname: '_http._tcp.svc1.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', answer: ['_http._tcp.svc1.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc1.testns.svc.cluster.local.'], extra: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
  { qname: '_http._tcp.svcempty.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', answer: ['_http._tcp.svcempty.testns.svc.cluster.local. 5 IN SRV 0 100 80 svcempty.testns.svc.cluster.local.'], extra: ['svcempty.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
  {
    qname: 'hdls1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR',
    answer: ['172.0.0.2', '172.0.0.3', '172.0.0.4', '172.0.0.5'].map((ip) => `hdls1.testns.svc.cluster.local. 5 IN A ${ip}`),
  },
  { qname: 'hdlsprtls.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['hdlsprtls.testns.svc.cluster.local. 5 IN A 172.0.0.20'] },
  { qname: '172-0-0-20.hdlsprtls.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['172-0-0-20.hdlsprtls.testns.svc.cluster.local. 5 IN A 172.0.0.20'] },
  { qname: '172-0-0-2.hdls1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['172-0-0-2.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.2'] },
  { qname: '172-0-0-3.hdls1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['172-0-0-3.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.3'] },
  { qname: 'dup-name.hdls1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.4', 'dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.5'] },
  {
    qname: '_http._tcp.hdls1.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR',
    answer: ['172-0-0-2', '172-0-0-3', '5678-abcd--1', '5678-abcd--2', 'dup-name'].map(
      (h) => `_http._tcp.hdls1.testns.svc.cluster.local. 5 IN SRV 0 16 80 ${h}.hdls1.testns.svc.cluster.local.`,
    ),
    extra: [
      '172-0-0-2.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.2',
      '172-0-0-3.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.3',
      '5678-abcd--1.hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::1',
      '5678-abcd--2.hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::2',
      'dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.4',
      'dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.5',
    ],
  },
  { qname: '5678-abcd--2.hdls1.testns.svc.cluster.local', qtype: 'AAAA', rcode: 'NOERROR', answer: ['5678-abcd--2.hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::2'] },
  { qname: 'external.testns.svc.cluster.local.', qtype: 'CNAME', rcode: 'NOERROR', answer: ['external.testns.svc.cluster.local. 5 IN CNAME ext.interwebs.test.'] },
  {
    qname: 'external-to-service.testns.svc.cluster.local', qtype: 'A', rcode: 'NOERROR',
    answer: ['external-to-service.testns.svc.cluster.local. 5 IN CNAME svc1.testns.svc.cluster.local.', 'svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'],
  },
  { qname: 'svc1.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', ns: [SOA()] },
  { qname: 'svc0.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NXDOMAIN', ns: [SOA()] },
  { qname: 'svc0.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA()] },
  { qname: 'svc0.svc-nons.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA()] },
  { qname: 'dns-version.cluster.local.', qtype: 'TXT', rcode: 'NOERROR', answer: ['dns-version.cluster.local. 28800 IN TXT "1.1.0"'] },
  { qname: 'bogusendpoint.hdls1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA()] },
  { qname: 'bogusendpoint.svc0.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA()] },
  { qname: 'svc6.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['svc6.testns.svc.cluster.local. 5 IN AAAA 1234:abcd::1'] },
  { qname: '_http._tcp.svc6.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', answer: ['_http._tcp.svc6.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc6.testns.svc.cluster.local.'], extra: ['svc6.testns.svc.cluster.local. 5 IN AAAA 1234:abcd::1'] },
  { qname: 'hdls1.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::1', 'hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::2'] },
  { qname: '5678-abcd--1.hdls1.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['5678-abcd--1.hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::1'] },
  { qname: 'svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', ns: [SOA()] },
  { qname: 'pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', ns: [SOA()] },
  { qname: 'testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', ns: [SOA()] },
  { qname: 'svc.cluster.local.', qtype: 'NS', rcode: 'NOERROR', ns: [SOA()] },
  { qname: 'testns.svc.cluster.local.', qtype: 'NS', rcode: 'NOERROR', ns: [SOA()] },
  { qname: 'foo.cluster.local.', qtype: 'NS', rcode: 'NXDOMAIN', ns: [SOA()] },
  { qname: 'foo.svc.cluster.local.', qtype: 'NS', rcode: 'NXDOMAIN', ns: [SOA()] },
  { qname: 'svc-dual-stack.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc-dual-stack.testns.svc.cluster.local. 5 IN A 10.0.0.3'] },
  { qname: 'svc-dual-stack.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['svc-dual-stack.testns.svc.cluster.local. 5 IN AAAA 10::3'] },
  {
    qname: 'svc-dual-stack.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR',
    answer: ['svc-dual-stack.testns.svc.cluster.local. 5 IN SRV 0 50 80 svc-dual-stack.testns.svc.cluster.local.'],
    extra: ['svc-dual-stack.testns.svc.cluster.local. 5 IN A 10.0.0.3', 'svc-dual-stack.testns.svc.cluster.local. 5 IN AAAA 10::3'],
  },
  { qname: 'svc1.testns.svc.cluster.local.', qtype: 'SOA', rcode: 'NOERROR', ns: [SOA()] },
  { qname: 'endpoint.external.testns.svc.cluster.local.', qtype: 'CNAME', rcode: 'NXDOMAIN', ns: [SOA()] },
];

describe('resolve: CoreDNS plugin/kubernetes handler_test.go', () => {
  const idx = index({ namespaces: ['testns'] });
  it.each(handlerCases.map((c) => [`${c.qname} ${String(c.qtype)}`, c] as const))('%s', (_, c) => check(idx, c));

  it('answers an ExternalName A with the CNAME and asks for the target (CNAME External Truncated Lookup)', () => {
    const a = resolve(idx, 'external.testns.svc.cluster.local.', QTYPE.A)!;
    expect(norm(a.answer)).toEqual(['external.testns.svc.cluster.local. 5 IN CNAME ext.interwebs.test.']);
    expect(a.chase).toEqual({ name: 'ext.interwebs.test', qtype: QTYPE.A });
  });

  it('answers SERVFAIL instead of NXDOMAIN before the first sync (TestNotSyncedServeDNS)', () => {
    const cold = index({ namespaces: ['testns'] });
    cold.synced = false;
    check(cold, { qname: 'svc0.testns.svc.cluster.local.', qtype: 'A', rcode: 'SERVFAIL', ns: [SOA()] });
  });

  it('is case-insensitive (handler_case_test.go)', () => {
    check(idx, { qname: 'SVC1.TestNS.svc.Cluster.Local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] });
    check(idx, { qname: '_HTTP._TCP.svc1.testns.SVC.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', answer: ['_http._tcp.svc1.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc1.testns.svc.cluster.local.'], extra: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] });
  });

  it('leaves names outside its zones to the forwarder', () => {
    expect(resolve(idx, 'example.org.', QTYPE.A)).toBeUndefined();
    expect(resolve(idx, 'local.', QTYPE.A)).toBeUndefined();
  });

  it('refuses zone transfers', () => {
    expect(resolve(idx, 'cluster.local.', QTYPE.AXFR)!.rcode).toBe(RCODE.REFUSED);
  });
});

describe('resolve: namespaces (TestServeNamespaceDNS) and apex (kubernetes_apex_test.go)', () => {
  const idx = index();
  it.each(([
    { qname: 'svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
    { qname: 'svc1.nsnoexist.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA()] },
    { qname: 'svc1.unexposedns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc1.unexposedns.svc.cluster.local. 5 IN A 10.0.0.2'] },
    { qname: 'cluster.local.', qtype: 'SOA', rcode: 'NOERROR', answer: [SOA()] },
    { qname: 'cluster.local.', qtype: 'HINFO', rcode: 'NOERROR', ns: [SOA()] },
    { qname: 'cluster.local.', qtype: 'NS', rcode: 'NOERROR', answer: ['cluster.local. 5 IN NS ns.dns.cluster.local.'], extra: ['ns.dns.cluster.local. 5 IN A 127.0.0.1'] },
    { qname: 'ns.dns.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['ns.dns.cluster.local. 5 IN A 127.0.0.1'] },
    { qname: 'foo.cluster.local.', qtype: 'TXT', rcode: 'NOERROR', ns: [SOA()] },
    { qname: 'dns-version.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA()] },
    { qname: 'svc1.testns.svc.cluster.local.', qtype: 'MX', rcode: 'NOERROR', ns: [SOA()] },
    { qname: '_http._tcp.svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['_http._tcp.svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
    { qname: '_https._tcp.svc1.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NXDOMAIN', ns: [SOA()] },
    { qname: '_http._udp.svc1.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NXDOMAIN', ns: [SOA()] },
    { qname: 'ep1a.svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['ep1a.svc1.testns.svc.cluster.local. 5 IN A 172.0.0.1'] },
    { qname: 'external.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', ns: [SOA()] },
    { qname: '*.*.hdlsprtls.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NXDOMAIN', ns: [SOA()] },
    { qname: 'hdlsprtls.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', ns: [SOA()] },
  ] as Case[]).map((c) => [`${c.qname} ${String(c.qtype)}`, c] as const))('%s', (_, c) => check(idx, c));
});

describe('resolve: pods (handler_pod_{disabled,insecure,verified}_test.go)', () => {
  const pod = { apiVersion: 'v1' as const, kind: 'Pod' as const, metadata: { namespace: 'podns', name: 'foo' }, status: { podIP: '10.240.0.1', podIPs: [{ ip: '10.240.0.1' }] } };
  const svcns = svc('svcns', 'x', { clusterIPs: ['10.0.9.9'], ports: [{ port: 80 }] });
  const SOA60 = SOA();
  it.each(([
    ['disabled', { qname: '10-240-0-1.podns.pod.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA60] }],
    ['insecure', { qname: '10-240-0-1.podns.pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['10-240-0-1.podns.pod.cluster.local. 5 IN A 10.240.0.1'] }],
    ['insecure', { qname: '172-0-0-2.podns.pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['172-0-0-2.podns.pod.cluster.local. 5 IN A 172.0.0.2'] }],
    ['insecure', { qname: 'fd00--1.podns.pod.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['fd00--1.podns.pod.cluster.local. 5 IN AAAA fd00::1'] }],
    ['insecure', { qname: '172-0-0-2.podns.pod.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', ns: [SOA60] }],
    ['insecure', { qname: 'blah.podns.pod.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA60] }],
    ['insecure', { qname: 'blah.podns.pod.cluster.local.', qtype: 'AAAA', rcode: 'NXDOMAIN', ns: [SOA60] }],
    ['insecure', { qname: 'blah.podns.pod.cluster.local.', qtype: 'HINFO', rcode: 'NXDOMAIN', ns: [SOA60] }],
    ['insecure', { qname: 'blah.pod-nons.pod.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA60] }],
    // Current CoreDNS (findPods: empty pod name in an existing namespace) answers NODATA here.
    ['insecure', { qname: 'podns.pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', ns: [SOA60] }],
    ['verified', { qname: '10-240-0-1.podns.pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['10-240-0-1.podns.pod.cluster.local. 5 IN A 10.240.0.1'] }],
    ['verified', { qname: 'podns.pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', ns: [SOA60] }],
    ['verified', { qname: 'svcns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', ns: [SOA60] }],
    ['verified', { qname: 'pod-nons.pod.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA60] }],
    ['verified', { qname: '172-0-0-2.podns.pod.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA60] }],
  ] as [string, Case][]).map(([mode, c]) => [`${mode} ${c.qname} ${String(c.qtype)}`, mode, c] as const))('%s', (_, mode, c) => {
    check(index({ pods: mode as 'insecure' }, { pods: [pod], services: [svcns] }), c);
  });
});

describe('resolve: ignore empty_service (handler_ignore_emptyservice_test.go)', () => {
  const idx = index({ ignoreEmptyService: true });
  it.each(([
    { qname: 'svcempty.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA()] },
    { qname: 'external.testns.svc.cluster.local.', qtype: 'CNAME', rcode: 'NOERROR', answer: ['external.testns.svc.cluster.local. 5 IN CNAME ext.interwebs.test.'] },
    { qname: 'svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
  ] as Case[]).map((c) => [`${c.qname} ${String(c.qtype)}`, c] as const))('%s', (_, c) => check(idx, c));
});

describe('resolve: reverse zones (reverse_test.go)', () => {
  const zones = [
    'cluster.local',
    '0.10.in-addr.arpa',
    '168.192.in-addr.arpa',
    '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.4.3.2.1.ip6.arpa',
    '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.0.7.7.0.0.0.0.d.f.ip6.arpa',
  ];
  const idx = RecordIndex.from(
    {
      services: [svc('testns', 'svc1', { clusterIPs: ['192.168.1.100'], ports: [{ name: 'http', port: 80 }] }), svc('testns', 'svc2', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] })],
      endpointSlices: [
        slice('testns', 'svc1', 'svc1-slice1', [{ ip: '10.0.0.100', hostname: 'ep1a' }, { ip: '10.0.0.99', hostname: 'double-ep' }], [{ name: 'http', port: 80 }]),
        slice('testns', 'svc1', 'svc1-slice2', [{ ip: '1234:abcd::1', hostname: 'ep1b' }, { ip: 'fd00:77:30::a', hostname: 'ip6svc1ex' }, { ip: 'fd00:77:30::2:9ba6', hostname: 'ip6svc1in' }], [{ name: 'http', port: 80 }]),
        // EndpointSlice skew: two slices of one Service hold the same address.
        slice('testns', 'svc1', 'svc1-slice3', [{ ip: '10.0.0.100', hostname: 'ep1a' }], [{ name: 'http', port: 80 }]),
        slice('testns', 'svc2', 'svc2-slice1', [{ ip: '10.0.0.99', hostname: 'double-ep' }], [{ name: 'http', port: 80 }]),
      ],
    },
    { zone: zones[0], reverseZones: zones.slice(1), fallthrough: [] },
  );
  idx.serial = 1499347823;
  it.each(([
    { qname: '100.0.0.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['100.0.0.10.in-addr.arpa. 5 IN PTR ep1a.svc1.testns.svc.cluster.local.'] },
    { qname: '100.1.168.192.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['100.1.168.192.in-addr.arpa. 5 IN PTR svc1.testns.svc.cluster.local.'] },
    { qname: '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.4.3.2.1.ip6.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.4.3.2.1.ip6.arpa. 5 IN PTR ep1b.svc1.testns.svc.cluster.local.'] },
    { qname: 'a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.0.7.7.0.0.0.0.d.f.ip6.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.0.7.7.0.0.0.0.d.f.ip6.arpa. 5 IN PTR ip6svc1ex.svc1.testns.svc.cluster.local.'] },
    { qname: '6.a.b.9.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.0.7.7.0.0.0.0.d.f.ip6.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['6.a.b.9.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.0.7.7.0.0.0.0.d.f.ip6.arpa. 5 IN PTR ip6svc1in.svc1.testns.svc.cluster.local.'] },
    { qname: '101.0.0.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NXDOMAIN', ns: [SOA('0.10.in-addr.arpa')] },
    { qname: 'example.org.cluster.local.', qtype: 'PTR', rcode: 'NXDOMAIN', ns: [SOA()] },
    { qname: 'svc1.testns.svc.cluster.local.', qtype: 'PTR', rcode: 'NOERROR', ns: [SOA()] },
    { qname: 'svc1.testns.svc.0.10.in-addr.arpa.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA('0.10.in-addr.arpa')] },
    { qname: '100.0.0.10.cluster.local.', qtype: 'PTR', rcode: 'NXDOMAIN', ns: [SOA()] },
    { qname: '99.0.0.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['99.0.0.10.in-addr.arpa. 5 IN PTR double-ep.svc1.testns.svc.cluster.local.', '99.0.0.10.in-addr.arpa. 5 IN PTR double-ep.svc2.testns.svc.cluster.local.'] },
  ] as Case[]).map((c) => [`${c.qname} ${String(c.qtype)}`, c] as const))('%s', (_, c) => check(idx, c));

  it('marks a name error in a fallthrough zone', () => {
    const ft = RecordIndex.from({}, {});
    const a = resolve(ft, '1.2.3.4.in-addr.arpa.', QTYPE.PTR)!;
    expect(a.rcode).toBe(RCODE.NXDOMAIN);
    expect(a.fallthrough).toBe(true);
  });
});
