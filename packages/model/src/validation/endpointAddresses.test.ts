import { describe, expect, it } from 'vitest';
import { validateEndpointAddresses } from './endpointAddresses.js';
import { validateObject } from './validateObject.js';

// The address rules alone, for trusted writes: the same errors admission gives for the addresses.
const slice = (addressType: string, addresses: unknown[][]) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'web-abc', namespace: 'default' },
  addressType,
  endpoints: addresses.map((a) => ({ addresses: a })),
  ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
});
const endpoints = (ready: string[], notReady: string[] = []) => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name: 'web', namespace: 'default' },
  subsets: [{ addresses: ready.map((ip) => ({ ip })), notReadyAddresses: notReady.map((ip) => ({ ip })), ports: [{ port: 80, protocol: 'TCP' }] }],
});

describe('validateEndpointAddresses', () => {
  const cases: Array<[string, object, string[]]> = [
    ['ordinary IPv4 slice', slice('IPv4', [['10.244.0.1'], ['10.244.0.2']]), []],
    ['ordinary IPv6 slice', slice('IPv6', [['fd00::1']]), []],
    ['loopback in a slice', slice('IPv4', [['10.244.0.1'], ['127.0.0.1']]), ['endpoints[1].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)']],
    ['metadata address in a slice', slice('IPv4', [['169.254.169.254']]), ['endpoints[0].addresses[0]: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)']],
    ['unspecified IPv6', slice('IPv6', [['::']]), ['endpoints[0].addresses[0]: Invalid value: "::": may not be unspecified (::)']],
    ['IPv4-mapped loopback in an IPv6 slice', slice('IPv6', [['::ffff:127.0.0.1']]), ['endpoints[0].addresses[0]: Invalid value: "::ffff:127.0.0.1": must be a valid IPv6 address']],
    ['wrong family', slice('IPv4', [['fd00::1']]), ['endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address']],
    ['FQDN slices hold names', slice('FQDN', [['db.example.com']]), []],
    ['malformed lists are skipped', { ...slice('IPv4', []), endpoints: 'x' }, []],
    ['ordinary Endpoints', endpoints(['10.244.0.1'], ['fd00::2']), []],
    ['loopback not-ready Endpoints address', endpoints(['10.244.0.1'], ['127.0.0.2']), ['subsets[0].notReadyAddresses[0].ip: Invalid value: "127.0.0.2": may not be in the loopback range (127.0.0.0/8, ::1/128)']],
    ['other kinds', { kind: 'Service', spec: { clusterIP: '127.0.0.1' } }, []],
  ];
  it.each(cases)('%s', (_n, obj, want) => expect(validateEndpointAddresses(obj as never).map(String)).toEqual(want));

  it('agrees with full validation on every address error', () => {
    for (const [, obj] of cases) {
      const full = validateObject(obj as never).filter((e) => /addresses\[\d+\]/i.test(e.field)).map(String);
      expect(validateEndpointAddresses(obj as never).map(String)).toEqual(full);
    }
  });
});
