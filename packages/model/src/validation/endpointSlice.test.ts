import { describe, expect, it } from 'vitest';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { validateEndpointSlice } from './endpointSlice.js';

// Transcribed from upstream pkg/apis/discovery/validation/validation_test.go TestValidateEndpointSlice:
// expectedErrors per case.
const slice = (addressType: string, endpoints: Endpoint[], ports: EndpointPort[] = [{ name: 'http', protocol: 'TCP', port: 80 }]): EndpointSlice =>
  ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'hello', namespace: 'world' }, addressType, endpoints, ports }) as EndpointSlice;
const ports = (n: number): EndpointPort[] => Array.from({ length: n }, (_, i) => ({ name: `http-${i}`, protocol: 'TCP', port: 80 }));
const endpoints = (n: number): Endpoint[] => Array.from({ length: n }, (_, i) => ({ addresses: [`10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`] }));

const cases: Array<[string, EndpointSlice, number, string?]> = [
  ['good-slice', slice('IPv4', [{ addresses: ['10.1.2.3'], hostname: 'valid-123' }]), 0],
  ['good-ipv6', slice('IPv6', [{ addresses: ['a00:100::4'], hostname: 'valid-123' }]), 0],
  ['good-fqdns', slice('FQDN', [{ addresses: ['foo.example.com', 'example.com', 'example.com.', 'hello-world.example.com'] }]), 0],
  ['all-protocols', slice('IPv4', [{ addresses: ['10.2.3.4'] }], [{ name: 'tcp', protocol: 'TCP' }, { name: 'udp', protocol: 'UDP' }, { name: 'sctp', protocol: 'SCTP' }]), 0],
  ['app-protocols', slice('IPv4', [{ addresses: ['10.2.3.4'] }], [{ name: 'one', protocol: 'TCP', appProtocol: 'HTTP' }, { name: 'two', protocol: 'TCP', appProtocol: 'https' }, { name: 'three', protocol: 'TCP', appProtocol: 'my-protocol' }, { name: 'four', protocol: 'TCP', appProtocol: 'example.com/custom-protocol' }]), 0],
  ['empty-port-name', slice('IPv4', [{ addresses: ['10.1.2.3'] }], [{ name: '', protocol: 'TCP' }, { name: 'http', protocol: 'TCP' }]), 0],
  ['long-port-name', slice('IPv4', [{ addresses: ['10.1.2.3'] }], [{ name: 'a'.repeat(63), protocol: 'TCP' }]), 0],
  ['empty-ports-and-endpoints', slice('IPv4', [], []), 0],
  ['max-endpoints', slice('IPv4', endpoints(1000)), 0],
  ['max-ports', slice('IPv4', [], ports(100)), 0],
  ['max-addresses', slice('IPv4', [{ addresses: Array.from({ length: 100 }, (_, i) => `10.1.2.${i + 1}`) }]), 0],
  ['valid-hints', slice('IPv4', [{ addresses: ['10.1.2.3'], hints: { forZones: [{ name: 'zone-a' }] } }]), 0],
  ['valid-nodeName', slice('IPv4', [{ addresses: ['10.1.2.3'], nodeName: 'node-1' }]), 0],
  // expected failures
  ['duplicate-port-name', slice('IPv4', [], [{ name: '', protocol: 'TCP' }, { name: '', protocol: 'TCP' }]), 1, 'ports[1].name'],
  ['bad-port-name-caps', slice('IPv4', [], [{ name: 'aCapital', protocol: 'TCP' }]), 1, 'ports[0].name'],
  ['bad-port-name-chars', slice('IPv4', [], [{ name: 'almost_valid', protocol: 'TCP' }]), 1, 'ports[0].name'],
  ['bad-port-name-length', slice('IPv4', [], [{ name: 'a'.repeat(64), protocol: 'TCP' }]), 1, 'ports[0].name'],
  ['invalid-port-protocol', slice('IPv4', [], [{ name: 'http', protocol: 'foo' }]), 1, 'ports[0].protocol'],
  ['too-many-ports', slice('IPv4', [], ports(101)), 1, 'ports'],
  ['too-many-endpoints', slice('IPv4', endpoints(1001)), 1, 'endpoints'],
  ['no-endpoint-addresses', slice('IPv4', [{ addresses: [] }]), 1, 'endpoints[0].addresses'],
  ['too-many-addresses', slice('IPv4', [{ addresses: Array.from({ length: 101 }, (_, i) => `10.1.2.${i + 1}`) }]), 1, 'endpoints[0].addresses'],
  ['bad-topology-key', slice('IPv4', [{ addresses: ['10.1.2.3'], deprecatedTopology: { 'this is not valid': 'hello' } }]), 1, 'endpoints[0].deprecatedTopology'],
  ['too-many-topology-labels', slice('IPv4', [{ addresses: ['10.1.2.3'], deprecatedTopology: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }]), 1, 'endpoints[0].deprecatedTopology'],
  ['bad-hostname', slice('IPv4', [{ addresses: ['10.1.2.3'], hostname: 'object-name.with.dots' }]), 1, 'endpoints[0].hostname'],
  ['bad-meta', { ...slice('IPv4', []), metadata: { name: '*&^', namespace: 'foo*&^' } } as EndpointSlice, 2],
  ['bad-ip', slice('IPv4', [{ addresses: ['123.456.789.012'] }]), 1, 'endpoints[0].addresses[0]'],
  ['bad-ipv4', slice('IPv4', [{ addresses: ['123.456.789.012', '2001:4860:4860::8888'] }]), 2],
  ['bad-ipv6', slice('IPv6', [{ addresses: ['123.456.789.012', '2001:4860:4860:defg'] }]), 2],
  ['bad-fqdns', slice('FQDN', [{ addresses: ['foo.*', 'FOO.example.com', 'underscores_are_bad.example.com', '*.example.com'] }]), 4],
  ['bad-address-type', slice('IP', [{ addresses: ['10.2.3.4'] }]), 1, 'addressType'],
  ['missing-address-type', slice('', [{ addresses: ['10.2.3.4'] }]), 1, 'addressType'],
  ['bad-app-protocol', slice('IPv4', [], [{ name: 'http', protocol: 'TCP', appProtocol: 'lots-of[invalid]-{chars}' }]), 1, 'ports[0].appProtocol'],
  ['bad-port-number', slice('IPv4', [], [{ name: 'http', protocol: 'TCP', port: 0 }]), 1, 'ports[0].port'],
  ['loopback-address', slice('IPv4', [{ addresses: ['127.0.0.1'] }]), 1, 'endpoints[0].addresses[0]'],
  ['unspecified-address', slice('IPv6', [{ addresses: ['::'] }]), 1, 'endpoints[0].addresses[0]'],
  ['link-local-address', slice('IPv4', [{ addresses: ['169.254.1.1'] }]), 1, 'endpoints[0].addresses[0]'],
  ['link-local-multicast-address', slice('IPv6', [{ addresses: ['ff02::2'] }]), 1, 'endpoints[0].addresses[0]'],
  ['bad-nodeName', slice('IPv4', [{ addresses: ['10.1.2.3'], nodeName: 'Node_1' }]), 1, 'endpoints[0].nodeName'],
  ['duplicate-zone-hints', slice('IPv4', [{ addresses: ['10.1.2.3'], hints: { forZones: [{ name: 'a' }, { name: 'a' }] } }]), 1, 'endpoints[0].hints.forZones[1].name'],
  ['too-many-zone-hints', slice('IPv4', [{ addresses: ['10.1.2.3'], hints: { forZones: Array.from({ length: 9 }, (_, i) => ({ name: `z${i}` })) } }]), 1, 'endpoints[0].hints.forZones'],
  ['empty-everything', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' } as EndpointSlice, 3],
];

describe('validateEndpointSlice', () => {
  it.each(cases)('%s', (_name, s, numErrs, field) => {
    const errs = validateEndpointSlice(s);
    expect(errs.map(String), errs.map(String).join('\n')).toHaveLength(numErrs);
    if (field) expect(errs[0]!.field).toBe(field);
  });

  it('reports too many endpoints with the count and the limit', () => {
    const [e, ...rest] = validateEndpointSlice(slice('IPv4', endpoints(1001)));
    expect(rest).toEqual([]);
    expect([e!.type, e!.field, e!.badValue, e!.detail]).toEqual(['FieldValueTooMany', 'endpoints', 1001, 'must have at most 1000 items']);
  });

  it('addressType is immutable', () => {
    const old = slice('IPv4', []);
    expect(validateEndpointSlice(slice('IPv6', []), old).map(String)).toEqual(['addressType: Invalid value: "IPv6": field is immutable']);
  });
});
