import { describe, expect, it } from 'vitest';
import { SIMULATED_ENDPOINTS_ANNOTATION } from '@svcnet/model';
import { service, slice } from '../../test/fixtures.js';
import { resolveBackend, slicesFromEndpoints } from './backends.js';

describe('resolveBackend', () => {
  const svc = service('web', [
    { port: 80, name: 'http', targetPort: 'web' },
    { port: 443, name: 'https', targetPort: 8443 },
  ]);
  const slices = [
    slice('web', 'http', 9376, [['10.0.0.1', true], ['10.0.0.2', false]], 'web-1'),
    slice('web', 'http', 9376, [['10.0.0.1', true], ['10.0.0.3', true]], 'web-2'),
    slice('web', 'https', 8443, [['10.0.0.1', true]], 'web-3'),
  ];

  it.each([
    [80, ['10.0.0.1:9376', '10.0.0.3:9376']],
    ['http', ['10.0.0.1:9376', '10.0.0.3:9376']],
    ['https', ['10.0.0.1:8443']],
    [443, ['10.0.0.1:8443']],
  ] as const)('port %s -> ready endpoints by slice port name, deduplicated', (port, want) => {
    const r = resolveBackend({ namespace: 'default', service: 'web', port }, svc, slices);
    expect(r.kind === 'ok' ? r.upstreams.map((u) => u.key) : r.reason).toEqual(want);
  });

  it.each([
    [undefined, 80, 'Service "default/web" not found'],
    [svc, 8080, 'Service "default/web" has no port 8080'],
    [svc, 'grpc', 'Service "default/web" has no port grpc'],
  ] as const)('missing: %#', (s, port, reason) => {
    expect(resolveBackend({ namespace: 'default', service: 'web', port }, s, slices)).toEqual({ kind: 'missing', reason });
  });

  it('no ready endpoints is missing too (503)', () => {
    const r = resolveBackend({ namespace: 'default', service: 'web', port: 80 }, svc, [slice('web', 'http', 1, [['10.0.0.9', false]])]);
    expect(r.kind).toBe('missing');
  });

  it('reads legacy Endpoints subsets as slices', () => {
    const s = slicesFromEndpoints({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '10.0.0.5' }], ports: [{ name: 'http', port: 9376 }] }],
    });
    const r = resolveBackend({ namespace: 'default', service: 'web', port: 'http' }, svc, s);
    expect(r.kind === 'ok' && r.upstreams.map((u) => u.key)).toEqual(['10.0.0.5:9376']);
  });

  // Read as the mirroring controller writes them (@svcnet/model mirroredSlices): an address that is not
  // an IP is left out instead of becoming an upstream, and not-ready addresses are never used.
  it('reads legacy Endpoints as the mirroring controller would: invalid IPs and not-ready addresses left out', () => {
    const s = slicesFromEndpoints({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web', namespace: 'default' },
      subsets: [{ addresses: [{ ip: 'not-an-ip' }, { ip: '10.0.0.5' }, { ip: 'fd00::5' }], notReadyAddresses: [{ ip: '10.0.0.6' }], ports: [{ name: 'http', port: 9376 }] }],
    });
    expect(s.map((x) => x.addressType).sort()).toEqual(['IPv4', 'IPv6']);
    const r = resolveBackend({ namespace: 'default', service: 'web', port: 'http' }, svc, s);
    expect(r.kind === 'ok' && r.upstreams.map((u) => u.key).sort()).toEqual(['10.0.0.5:9376', '[fd00::5]:9376']);
  });

  it('says once that simulated addresses were left out of legacy Endpoints, even when none is left', () => {
    const s = slicesFromEndpoints({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web', namespace: 'default', annotations: { [SIMULATED_ENDPOINTS_ANNOTATION]: '2' } },
      subsets: [{ addresses: [], ports: [{ name: 'http', port: 9376 }] }],
    });
    const r = resolveBackend({ namespace: 'default', service: 'web', port: 'http' }, svc, s);
    expect(r.kind === 'missing' && r.reason).toContain('its 2 endpoints are simulated Pods');
  });
});
