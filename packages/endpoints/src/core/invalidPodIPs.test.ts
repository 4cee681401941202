import { describe, expect, it } from 'vitest';
import type { Pod } from '@svcnet/model';
import { service, testPod, writable } from '../../test/fixtures.js';
import { planEndpoints } from './desiredEndpoints.js';
import { podIPProblem, shouldPodBeInEndpoints } from './podRules.js';
import { reconcileSlices } from './sliceReconciler.js';

// Pods written around validation (raw Redis) with IPs that do not parse are skipped, as upstream
// skips pods whose IP it cannot parse; one such pod must not block its Service's Endpoints.
const withIPs = (id: number, podIP: unknown, podIPs?: unknown): Pod => {
  const p = testPod('default', id, 1, true);
  const st = writable(p.status!) as Record<string, unknown>;
  st['podIP'] = podIP;
  st['podIPs'] = podIPs;
  return p;
};

describe('podIPProblem', () => {
  it.each([
    ['valid IPv4', withIPs(0, '10.0.0.1', [{ ip: '10.0.0.1' }]), undefined],
    ['valid dual stack', withIPs(0, '10.0.0.1', [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }]), undefined],
    ['no IP yet', withIPs(0, undefined, undefined), undefined],
    ['empty podIP', withIPs(0, '', []), undefined],
    ['octet out of range', withIPs(0, '999.1.2.3', []), 'status.podIP: "999.1.2.3" is not a valid IP address'],
    ['a name, not an IP', withIPs(0, 'web-0'), 'status.podIP: "web-0" is not a valid IP address'],
    ['a number', withIPs(0, 7), 'status.podIP: 7 is not a valid IP address'],
    ['bad second podIPs entry', withIPs(0, '10.0.0.1', [{ ip: '10.0.0.1' }, { ip: 'fd00::zz' }]), 'status.podIPs[1].ip: "fd00::zz" is not a valid IP address'],
    ['podIPs entry without ip', withIPs(0, '10.0.0.1', [{}]), 'status.podIPs[0].ip: undefined is not a valid IP address'],
    ['bad podIP, valid podIPs (podIPs is what is used)', withIPs(0, '1.2.3.1003', [{ ip: '10.0.0.1' }]), undefined],
    ['bad podIPs, valid podIP', withIPs(0, '10.0.0.1', [{ ip: '999.1.2.3' }]), 'status.podIPs[0].ip: "999.1.2.3" is not a valid IP address'],
    ['podIPs not an array', withIPs(0, '10.0.0.1', '10.0.0.1'), 'status.podIPs: must be an array'],
    // Issue 22: a special address never becomes an endpoint.
    ['loopback', withIPs(0, '127.0.0.1', [{ ip: '127.0.0.1' }]), 'status.podIPs[0].ip: "127.0.0.1" may not be in the loopback range (127.0.0.0/8, ::1/128)'],
    ['loopback podIP alone', withIPs(0, '127.0.0.1'), 'status.podIP: "127.0.0.1" may not be in the loopback range (127.0.0.0/8, ::1/128)'],
    ['IPv6 loopback second', withIPs(0, '10.0.0.1', [{ ip: '10.0.0.1' }, { ip: '::1' }]), 'status.podIPs[1].ip: "::1" may not be in the loopback range (127.0.0.0/8, ::1/128)'],
    ['metadata service', withIPs(0, '169.254.169.254', [{ ip: '169.254.169.254' }]), 'status.podIPs[0].ip: "169.254.169.254" may not be in the link-local range (169.254.0.0/16, fe80::/10)'],
    ['unspecified', withIPs(0, '0.0.0.0', [{ ip: '0.0.0.0' }]), 'status.podIPs[0].ip: "0.0.0.0" may not be unspecified (0.0.0.0)'],
    ['IPv4-mapped loopback', withIPs(0, '::ffff:127.0.0.1', [{ ip: '::ffff:127.0.0.1' }]), 'status.podIPs[0].ip: "::ffff:127.0.0.1" may not be in the loopback range (127.0.0.0/8, ::1/128)'],
  ])('%s', (_name, pod, want) => {
    expect(podIPProblem(pod)).toBe(want);
    if (want !== undefined) expect(shouldPodBeInEndpoints(pod, true)).toBe(false);
  });
});

describe('a pod with an invalid IP is left out, valid pods are published', () => {
  const svc = service('default', 'web', { selector: { foo: 'bar' }, clusterIP: '10.96.0.10', ipFamilies: ['IPv4'], ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] });
  const good = [withIPs(0, '1.2.3.4', [{ ip: '1.2.3.4' }]), withIPs(2, '1.2.3.6', [{ ip: '1.2.3.6' }])];
  const bad = withIPs(1, '999.1.2.3', [{ ip: '999.1.2.3' }]);

  it.each([
    ['bad pod between good ones', [good[0]!, bad, good[1]!]],
    ['only good pods', good],
  ])('Endpoints: %s', (_name, pods) => {
    const plan = planEndpoints(svc, pods);
    expect(plan?.endpoints.subsets).toEqual([
      {
        addresses: [
          { ip: '1.2.3.4', targetRef: { kind: 'Pod', namespace: 'default', name: 'pod0' } },
          { ip: '1.2.3.6', targetRef: { kind: 'Pod', namespace: 'default', name: 'pod2' } },
        ],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  it('Endpoints: a pod whose ports differ (the repacking path) is skipped too', () => {
    const odd = withIPs(3, '1.2.3.300', [{ ip: '1.2.3.300' }]);
    writable(odd.spec!).containers = [{ name: 'c', ports: [{ name: 'port0', containerPort: 9999 }] }];
    const named = service('default', 'web', { selector: { foo: 'bar' }, clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, targetPort: 'port0', protocol: 'TCP' }] });
    const ips = planEndpoints(named, [...good, odd])!.endpoints.subsets!.flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
    expect(ips).toEqual(['1.2.3.4', '1.2.3.6']);
  });

  it('a loopback pod between good ones is left out of Endpoints and EndpointSlices', () => {
    const local = withIPs(1, '127.0.0.1', [{ ip: '127.0.0.1' }]);
    expect(planEndpoints(svc, [good[0]!, local, good[1]!])?.endpoints.subsets?.[0]?.addresses?.map((a) => a.ip)).toEqual(['1.2.3.4', '1.2.3.6']);
    const r = reconcileSlices(svc, [good[0]!, local, good[1]!], [], { random: () => 0.5 });
    expect(r.create.flatMap((s) => s.endpoints).map((e) => e.addresses)).toEqual([['1.2.3.4'], ['1.2.3.6']]);
  });

  it('EndpointSlices: only the valid pods, no endpoint without addresses', () => {
    const r = reconcileSlices(svc, [good[0]!, bad, good[1]!], [], { random: () => 0.5 });
    const endpoints = r.create.flatMap((s) => s.endpoints);
    expect(endpoints.map((e) => e.addresses)).toEqual([['1.2.3.4'], ['1.2.3.6']]);
  });
});
