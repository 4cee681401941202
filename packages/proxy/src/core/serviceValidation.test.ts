import { describe, expect, it } from 'vitest';
import type { Service } from '@svcnet/model';
import { makeService, type TestService } from '../../test/fixtures.js';
import { ProxyState } from './proxyState.js';
import { servicePortsFromService } from './serviceInfo.js';
import { isInvalidObject, parseProxyService } from './serviceValidation.js';
import { STRICT_ADDRESSES } from './ruleAddress.js';

const lb = (mutate: (s: TestService) => void = () => undefined): Service =>
  makeService('ns', 'web', (s) => {
    s.spec.type = 'LoadBalancer';
    s.spec.clusterIP = '10.96.0.10';
    s.spec.ports = [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }];
    mutate(s);
  });
const ingress = (...ips: string[]) => ({ loadBalancer: { ingress: ips.map((ip) => ({ ip })) } });

describe('parseProxyService: what may not reach the rules skips the whole Service', () => {
  const cases: { name: string; svc: Service; reason: string; message: string }[] = [
    { name: 'LB ingress IP with a newline', svc: lb((s) => (s.status = ingress('10.1.2.3\n'))), reason: 'invalid_address', message: 'status.loadBalancer.ingress[0].ip: Invalid value: "10.1.2.3\\n": must be a valid IP address' },
    { name: 'LB ingress IP in the metadata range', svc: lb((s) => (s.status = ingress('203.0.113.7', '169.254.169.254'))), reason: 'forbidden_address', message: 'status.loadBalancer.ingress[1].ip: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)' },
    { name: 'LB ingress IP on loopback', svc: lb((s) => (s.status = ingress('127.0.0.1'))), reason: 'forbidden_address', message: 'may not be in the loopback range (127.0.0.0/8, ::1/128)' },
    { name: 'LB ingress IP unspecified', svc: lb((s) => (s.status = ingress('0.0.0.0'))), reason: 'forbidden_address', message: 'may not be unspecified (0.0.0.0)' },
    { name: 'externalIP multicast', svc: lb((s) => (s.spec.externalIPs = ['239.1.2.3'])), reason: 'forbidden_address', message: 'spec.externalIPs[0]: Invalid value: "239.1.2.3": may not be a multicast address' },
    { name: 'externalIP IPv6 link-local', svc: lb((s) => (s.spec.externalIPs = ['fe80::1'])), reason: 'forbidden_address', message: 'link-local range' },
    { name: 'externalIP with a rule appended', svc: lb((s) => (s.spec.externalIPs = ['10.0.0.1 -j ACCEPT'])), reason: 'invalid_address', message: 'spec.externalIPs[0]' },
    { name: 'ClusterIP in the metadata range', svc: lb((s) => (s.spec.clusterIP = '169.254.169.254')), reason: 'forbidden_address', message: 'spec.clusterIP' },
    { name: 'namespace with a quote', svc: makeService('a"b', 'web', (s) => { s.spec.clusterIP = '10.96.0.1'; s.spec.ports = [{ port: 80 }]; }), reason: 'invalid_name', message: 'metadata.namespace: Invalid value: "a\\"b"' },
    { name: 'name with a newline', svc: makeService('ns', 'web\n-A INPUT -j ACCEPT', (s) => { s.spec.clusterIP = '10.96.0.1'; s.spec.ports = [{ port: 80 }]; }), reason: 'invalid_name', message: 'metadata.name' },
    { name: 'port name with a space', svc: lb((s) => (s.spec.ports = [{ name: 'a b', port: 80 }])), reason: 'invalid_name', message: 'spec.ports[0].name' },
    { name: 'port out of range', svc: lb((s) => (s.spec.ports = [{ name: 'http', port: 70000 }])), reason: 'invalid_port', message: 'spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive' },
    { name: 'port as a string', svc: lb((s) => (s.spec.ports = [{ name: 'http', port: '80 -j DROP' as unknown as number }])), reason: 'invalid_port', message: 'spec.ports[0].port' },
    { name: 'nodePort fractional', svc: lb((s) => (s.spec.ports = [{ name: 'http', port: 80, nodePort: 30080.5 }])), reason: 'invalid_port', message: 'spec.ports[0].nodePort' },
    { name: 'unknown protocol', svc: lb((s) => (s.spec.ports = [{ name: 'http', port: 80, protocol: 'ICMP' as 'TCP' }])), reason: 'invalid_protocol', message: 'spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"' },
    { name: 'source range not a CIDR', svc: lb((s) => { s.spec.loadBalancerSourceRanges = ['10.0.0.0/8 -j ACCEPT']; }), reason: 'invalid_cidr', message: 'spec.loadBalancerSourceRanges[0]' },
    { name: 'affinity timeout out of range', svc: lb((s) => { s.spec.sessionAffinity = 'ClientIP'; s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 1e9 } }; }), reason: 'invalid_value', message: 'timeoutSeconds' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = parseProxyService(c.svc, STRICT_ADDRESSES);
      expect(isInvalidObject(r)).toBe(true);
      if (!isInvalidObject(r)) return;
      expect(r.reason).toBe(c.reason);
      expect(r.kind).toBe('Service');
      expect(r.message).toContain(c.message);
      expect(servicePortsFromService(c.svc, 'IPv4').size).toBe(0);
    });
  }
});

describe('servicePortsFromService: rules get canonical text', () => {
  it('prints addresses canonically, masks source ranges and keeps IPv4-mapped addresses as IPv4', () => {
    const svc = lb((s) => {
      s.spec.clusterIPs = ['10.96.0.10', 'FD00:0:0::A'];
      s.spec.externalIPs = ['::ffff:198.51.100.7', '2001:DB8::1'];
      s.spec.loadBalancerSourceRanges = [' 10.1.2.3/8 ', '2001:db8:0:0::/64'];
      s.status = ingress('203.0.113.7', '2001:DB8:0::7');
    });
    const v4 = [...servicePortsFromService(svc, 'IPv4').values()][0]!;
    expect([v4.clusterIP, v4.externalIPs, v4.loadBalancerVIPs, v4.loadBalancerSourceRanges]).toEqual(['10.96.0.10', ['198.51.100.7'], ['203.0.113.7'], ['10.0.0.0/8']]);
    const v6 = [...servicePortsFromService(svc, 'IPv6').values()][0]!;
    expect([v6.clusterIP, v6.externalIPs, v6.loadBalancerVIPs, v6.loadBalancerSourceRanges]).toEqual(['fd00::a', ['2001:db8::1'], ['2001:db8::7'], ['2001:db8::/64']]);
  });

  it('ignores load-balancer status on a Service that is not type LoadBalancer (as kube-proxy)', () => {
    const svc = lb((s) => {
      s.spec.type = 'ClusterIP';
      s.spec.ports = [{ name: 'http', port: 80 }];
      s.status = ingress('169.254.169.254');
    });
    const info = [...servicePortsFromService(svc, 'IPv4').values()][0]!;
    expect(info.loadBalancerVIPs).toEqual([]);
  });

  it('accepts loopback only when the policy says so (userspace engine on one machine)', () => {
    const svc = lb((s) => (s.spec.clusterIP = '127.0.10.1'));
    expect(servicePortsFromService(svc, 'IPv4').size).toBe(0);
    expect(servicePortsFromService(svc, 'IPv4', { allowLoopback: true }).size).toBe(1);
    const linkLocal = lb((s) => (s.spec.clusterIP = '169.254.0.1'));
    expect(servicePortsFromService(linkLocal, 'IPv4', { allowLoopback: true }).size).toBe(0);
  });
});

describe('ProxyState reports skipped objects once per change', () => {
  it('skips a bad Service, keeps the others, and clears the report when it is fixed or deleted', () => {
    const st = new ProxyState('IPv4', 'n1');
    const seen: string[] = [];
    st.invalid.listen((now, before) => seen.push(now ? `skip ${now.key} ${now.reason}` : `ok ${before!.key}`));
    const good = makeService('ns', 'good', (s) => { s.spec.clusterIP = '10.96.0.2'; s.spec.ports = [{ port: 80 }]; });
    const evil = lb((s) => (s.status = ingress('169.254.169.254', '127.0.0.1', '10.1.2.3\n')));
    st.onServiceUpdate(good);
    st.onServiceUpdate(evil);
    st.onServiceUpdate(evil);
    st.checkout();
    expect([...st.services.keys()]).toEqual(['ns/good/TCP']);
    expect(st.invalid.list().map((o) => [o.kind, o.key, o.reason])).toEqual([['Service', 'ns/web', 'forbidden_address']]);
    st.onServiceUpdate(lb());
    st.checkout();
    expect(st.services.has('ns/web:http/TCP')).toBe(true);
    st.onServiceUpdate(evil);
    st.onServiceDelete(evil);
    expect(seen).toEqual(['skip ns/web forbidden_address', 'ok ns/web', 'skip ns/web forbidden_address', 'ok ns/web']);
    expect(st.invalid.size).toBe(0);
  });
});
