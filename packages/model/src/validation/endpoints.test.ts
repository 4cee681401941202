import { describe, expect, it } from 'vitest';
import type { EndpointSubset, Endpoints } from 'kubernetes-types/core/v1.js';
import { validateEndpoints } from './endpoints.js';

// Transcribed from upstream TestValidateEndpointsCreate: a valid Endpoints object per case or one
// broken field, with the error type and field expected.
const ep = (subsets: EndpointSubset[], name = 'mysvc'): Endpoints => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: 'namespace' }, subsets });

describe('validateEndpoints', () => {
  const valid: Array<[string, EndpointSubset[]]> = [
    ['empty subsets', []],
    ['no ports (headless)', [{ addresses: [{ ip: '10.10.1.1' }] }]],
    ['single port', [{ addresses: [{ ip: '10.10.1.1' }], ports: [{ name: 'a', port: 8675, protocol: 'TCP' }] }]],
    ['single unnamed port', [{ addresses: [{ ip: '10.10.1.1' }], ports: [{ port: 8675, protocol: 'TCP' }] }]],
    [
      'multiple ports',
      [{ addresses: [{ ip: '10.10.1.1' }, { ip: '10.10.2.2' }], ports: [{ name: 'a', port: 8675, protocol: 'TCP' }, { name: 'b', port: 309, protocol: 'UDP' }, { name: 'c', port: 310, protocol: 'SCTP' }] }],
    ],
    ['IPv6 address', [{ addresses: [{ ip: '2001:db8::1' }], ports: [{ port: 80, protocol: 'TCP' }] }]],
    ['notReadyAddresses only', [{ notReadyAddresses: [{ ip: '10.10.1.1' }], ports: [{ port: 80, protocol: 'TCP' }] }]],
    ['hostname and nodeName', [{ addresses: [{ ip: '10.10.1.1', hostname: 'web-0', nodeName: 'node.example.com' }], ports: [{ port: 80, protocol: 'TCP' }] }]],
    ['appProtocol', [{ addresses: [{ ip: '10.10.1.1' }], ports: [{ port: 80, protocol: 'TCP', appProtocol: 'http' }] }]],
  ];
  it.each(valid)('valid: %s', (_n, subsets) => expect(validateEndpoints(ep(subsets)).map(String)).toEqual([]));

  const addr = (ip: string): EndpointSubset[] => [{ addresses: [{ ip }], ports: [{ name: 'a', port: 93, protocol: 'TCP' }] }];
  const invalid: Array<[string, Endpoints, string, string]> = [
    ['invalid endpoints name', ep([], '-_Invliad^&Characters'), 'FieldValueInvalid', 'metadata.name'],
    ['empty addresses', ep([{ ports: [{ name: 'a', port: 93, protocol: 'TCP' }] }]), 'FieldValueRequired', 'subsets[0]'],
    ['invalid IP', ep(addr('[2001:0db8:85a3:0042:1000:8a2e:0370:7334]')), 'FieldValueInvalid', 'subsets[0].addresses[0].ip'],
    ['multiple ports with empty name', ep([{ addresses: [{ ip: '10.10.1.1' }], ports: [{ port: 93, protocol: 'TCP' }, { name: 'b', port: 76, protocol: 'TCP' }] }]), 'FieldValueRequired', 'subsets[0].ports[0].name'],
    ['invalid port name', ep([{ addresses: [{ ip: '10.10.1.1' }], ports: [{ name: 'INVALID', port: 93, protocol: 'TCP' }] }]), 'FieldValueInvalid', 'subsets[0].ports[0].name'],
    ['missing protocol', ep([{ addresses: [{ ip: '10.10.1.1' }], ports: [{ name: 'a', port: 93 }] }]), 'FieldValueRequired', 'subsets[0].ports[0].protocol'],
    ['invalid protocol', ep([{ addresses: [{ ip: '10.10.1.1' }], ports: [{ name: 'a', port: 93, protocol: 'Protocol' }] }]), 'FieldValueNotSupported', 'subsets[0].ports[0].protocol'],
    ['port missing number', ep([{ addresses: [{ ip: '10.10.1.1' }], ports: [{ name: 'a', protocol: 'TCP' } as never] }]), 'FieldValueInvalid', 'subsets[0].ports[0].port'],
    ['port number too large', ep([{ addresses: [{ ip: '10.10.1.1' }], ports: [{ name: 'a', port: 66000, protocol: 'TCP' }] }]), 'FieldValueInvalid', 'subsets[0].ports[0].port'],
    ['invalid hostname', ep([{ addresses: [{ ip: '10.10.1.1', hostname: 'Web.0' }], ports: [{ port: 80, protocol: 'TCP' }] }]), 'FieldValueInvalid', 'subsets[0].addresses[0].hostname'],
    ['invalid nodeName', ep([{ addresses: [{ ip: '10.10.1.1', nodeName: '-node' }], ports: [{ port: 80, protocol: 'TCP' }] }]), 'FieldValueInvalid', 'subsets[0].addresses[0].nodeName'],
    ['invalid appProtocol', ep([{ addresses: [{ ip: '10.10.1.1' }], ports: [{ port: 80, protocol: 'TCP', appProtocol: 'lots-of[invalid]-{chars}' }] }]), 'FieldValueInvalid', 'subsets[0].ports[0].appProtocol'],
    ['address is loopback', ep(addr('127.0.0.1')), 'FieldValueInvalid', 'subsets[0].addresses[0].ip'],
    ['address is IPv6 loopback', ep(addr('::1')), 'FieldValueInvalid', 'subsets[0].addresses[0].ip'],
    ['address is link-local', ep(addr('169.254.169.254')), 'FieldValueInvalid', 'subsets[0].addresses[0].ip'],
    ['address is IPv6 link-local', ep(addr('fe80::1')), 'FieldValueInvalid', 'subsets[0].addresses[0].ip'],
    ['address is link-local multicast', ep(addr('224.0.0.1')), 'FieldValueInvalid', 'subsets[0].addresses[0].ip'],
    ['address is IPv6 link-local multicast', ep(addr('ff02::1')), 'FieldValueInvalid', 'subsets[0].addresses[0].ip'],
    ['address is unspecified', ep(addr('0.0.0.0')), 'FieldValueInvalid', 'subsets[0].addresses[0].ip'],
    ['notReadyAddress is loopback', ep([{ notReadyAddresses: [{ ip: '127.0.0.2' }], ports: [{ port: 80, protocol: 'TCP' }] }]), 'FieldValueInvalid', 'subsets[0].notReadyAddresses[0].ip'],
  ];
  it.each(invalid)('invalid: %s', (_n, obj, type, field) => {
    const errs = validateEndpoints(obj);
    expect(errs.length, errs.map(String).join('\n')).toBeGreaterThan(0);
    expect(errs[0]!.type).toBe(type);
    expect(errs[0]!.field).toBe(field);
  });

  it('words special addresses as upstream', () => {
    expect(validateEndpoints(ep(addr('127.0.0.1'))).map(String)).toEqual([
      'subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    ]);
    expect(validateEndpoints(ep(addr('0.0.0.0'))).map(String)).toEqual(['subsets[0].addresses[0].ip: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)']);
    // An address that is not an IP is reported by both IsValidIP and ValidateNonSpecialIP, as upstream does.
    expect(validateEndpoints(ep(addr('web.example.com'))).map(String)).toEqual([
      'subsets[0].addresses[0].ip: Invalid value: "web.example.com": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'subsets[0].addresses[0].ip: Invalid value: "web.example.com": must be a valid IP address',
    ]);
  });

  it('checks name and namespace immutability on update', () => {
    const old = ep([]);
    const next = ep([]);
    next.metadata!.namespace = 'other';
    expect(validateEndpoints(next, old).map((e) => e.field)).toEqual(['metadata.namespace']);
  });
});
