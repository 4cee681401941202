import { describe, expect, it } from 'vitest';
import type { LoadBalancerIngress, Service } from 'kubernetes-types/core/v1.js';
import { InvalidObjectError } from '../fieldErrors.js';
import { validateLoadBalancerStatus } from './serviceStatus.js';
import { admit, validateObject } from './validateObject.js';

// Issue 22: a LoadBalancer status reaches every node's rules, so it is validated as upstream's
// ValidateLoadBalancerStatus does (worded as upstream), plus the endpoint address rules.
const lbSpec: Service['spec'] = { type: 'LoadBalancer' };
const at = 'status.loadBalancer.ingress[0]';

describe('validateLoadBalancerStatus', () => {
  const cases: Array<[string, LoadBalancerIngress[], Service['spec'], string[]]> = [
    ['an ordinary IPv4 ingress point', [{ ip: '192.0.2.10', ipMode: 'VIP' }], lbSpec, []],
    ['an IPv6 one and a hostname one', [{ ip: '2001:db8::10' }, { hostname: 'lb.example.com' }], lbSpec, []],
    ['no ingress on a ClusterIP Service', [], { type: 'ClusterIP' }, []],
    ['the metadata service address', [{ ip: '169.254.169.254' }], lbSpec, [`${at}.ip: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)`]],
    ['loopback', [{ ip: '127.0.0.1' }], lbSpec, [`${at}.ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)`]],
    ['IPv6 loopback', [{ ip: '::1' }], lbSpec, [`${at}.ip: Invalid value: "::1": may not be in the loopback range (127.0.0.0/8, ::1/128)`]],
    ['unspecified', [{ ip: '0.0.0.0' }], lbSpec, [`${at}.ip: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)`]],
    ['link-local multicast', [{ ip: '224.0.0.1' }], lbSpec, [`${at}.ip: Invalid value: "224.0.0.1": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)`]],
    ['a trailing newline (parsed strictly, never trimmed)', [{ ip: '10.1.2.3\n' }], lbSpec, [`${at}.ip: Invalid value: "10.1.2.3\\n": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`]],
    ['a leading space', [{ ip: ' 10.1.2.3' }], lbSpec, [`${at}.ip: Invalid value: " 10.1.2.3": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`]],
    ['rule text smuggled in an ip', [{ ip: '10.1.2.3 -j ACCEPT' }], lbSpec, [`${at}.ip: Invalid value: "10.1.2.3 -j ACCEPT": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`]],
    ['a CIDR', [{ ip: '10.1.2.0/24' }], lbSpec, [`${at}.ip: Invalid value: "10.1.2.0/24": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`]],
    [
      'ingress on a ClusterIP Service',
      [{ ip: '192.0.2.10' }],
      { type: 'ClusterIP' },
      ["status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'"],
    ],
    ['ingress on a NodePort Service', [{ hostname: 'lb.example.com' }], { type: 'NodePort' }, ["status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'"]],
    ['a hostname that is an IP', [{ hostname: '192.0.2.10' }], lbSpec, [`${at}.hostname: Invalid value: "192.0.2.10": must be a DNS name, not an IP address`]],
    [
      'a hostname that is not a DNS subdomain',
      [{ hostname: 'LB_1' }],
      lbSpec,
      [
        `${at}.hostname: Invalid value: "LB_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      ],
    ],
    ['ipMode without ip', [{ hostname: 'lb.example.com', ipMode: 'VIP' }], lbSpec, [`${at}.ipMode: Forbidden: may not be specified when \`ip\` is not set`]],
    ['an unknown ipMode', [{ ip: '192.0.2.10', ipMode: 'Direct' }], lbSpec, [`${at}.ipMode: Unsupported value: "Direct": supported values: "Proxy", "VIP"`]],
  ];
  it.each(cases)('%s', (_name, ingress, spec, want) => {
    expect(validateLoadBalancerStatus({ ingress }, spec).map(String)).toEqual(want);
  });
});

describe('status validation through admit', () => {
  const lbService = (status: Service['status']): Service => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'evil', namespace: 'default' },
    spec: { type: 'LoadBalancer', ports: [{ port: 80, nodePort: 30080 }], clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9'], healthCheckNodePort: 0 },
    status,
  });
  const stored = admit(lbService(undefined));
  const errorsOf = (f: () => unknown): string[] => {
    try {
      f();
      return [];
    } catch (e) {
      return (e as InvalidObjectError).errors.map(String);
    }
  };

  it('a status write (subresource status) is refused with field errors', () => {
    const write = lbService({ loadBalancer: { ingress: [{ ip: '169.254.169.254' }, { ip: '127.0.0.1' }, { ip: '10.1.2.3\n' }] } });
    expect(errorsOf(() => admit(write, stored, { subresource: 'status' }))).toEqual([
      'status.loadBalancer.ingress[0].ip: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
      'status.loadBalancer.ingress[1].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      'status.loadBalancer.ingress[2].ip: Invalid value: "10.1.2.3\\n": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ]);
  });

  it('a status write on a ClusterIP Service is refused, not quietly cleared', () => {
    const cluster = admit({ ...lbService(undefined), spec: { ports: [{ port: 80 }], clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9'] } });
    const write: Service = { ...cluster, status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } };
    expect(errorsOf(() => admit(write, cluster, { subresource: 'status' }))).toEqual(["status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'"]);
    // A spec update (no subresource) that turns a LoadBalancer into a ClusterIP Service drops its
    // load balancer status, as upstream's dropTypeDependentFields does.
    const withStatus: Service = { ...stored, status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } };
    const turned = admit({ ...withStatus, spec: { ...withStatus.spec, type: 'ClusterIP' } }, withStatus);
    expect(turned.status?.loadBalancer).toEqual({});
  });

  it('a valid status write is admitted', () => {
    const write = lbService({ loadBalancer: { ingress: [{ ip: '192.0.2.10', ipMode: 'VIP' }] } });
    expect(admit(write, stored, { subresource: 'status' }).status?.loadBalancer?.ingress).toEqual([{ ip: '192.0.2.10', ipMode: 'VIP' }]);
  });

  it('status.loadBalancer has a checked shape', () => {
    const odd = { ...lbService(undefined), status: { loadBalancer: { ingress: [{ ip: 7, ports: [{ port: '80' }] }, 'x'] } } };
    expect(validateObject(odd as never).map(String)).toEqual([
      'status.loadBalancer.ingress[0].ip: Invalid value: 7: must be a string',
      'status.loadBalancer.ingress[0].ports[0].port: Invalid value: "80": must be an integer',
      'status.loadBalancer.ingress[1]: Invalid value: "x": must be an object',
    ]);
    expect(validateObject({ ...lbService(undefined), status: { loadBalancer: { ingress: { ip: '1.2.3.4' } } } } as never).map(String)).toEqual([
      'status.loadBalancer.ingress: Invalid value: {"ip":"1.2.3.4"}: must be a list',
    ]);
  });
});
