import { describe, expect, it } from 'vitest';
import type { Endpoints, EndpointSlice } from '@svcnet/model';
import { withoutSpecialAddresses } from './watchIngressInputs.js';

describe('withoutSpecialAddresses (what reaches the router from a store)', () => {
  it('drops loopback, link-local and unspecified endpoints of a slice and reports each', () => {
    const slice = {
      kind: 'EndpointSlice',
      metadata: { name: 'app-raw', namespace: 'default' },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.0.0.1'] }, { addresses: ['10.244.1.5'] }, { addresses: ['169.254.169.254'] }, { addresses: ['0.0.0.0'] }],
    } as EndpointSlice;
    const reported: string[] = [];
    const kept = withoutSpecialAddresses(slice, (e) => reported.push(e.message));
    expect(kept.endpoints?.flatMap((e) => e.addresses)).toEqual(['10.244.1.5']);
    expect(reported).toEqual([
      'ingress: EndpointSlice "default/app-raw": endpoint 127.0.0.1 is loopback: not routed to',
      'ingress: EndpointSlice "default/app-raw": endpoint 169.254.169.254 is link-local: not routed to',
      'ingress: EndpointSlice "default/app-raw": endpoint 0.0.0.0 is unspecified: not routed to',
    ]);
  });

  it('drops them from Endpoints subsets too, and leaves clean objects as they are', () => {
    const ep = { kind: 'Endpoints', metadata: { name: 'app' }, subsets: [{ addresses: [{ ip: '::1' }, { ip: 'fd00::5' }], ports: [{ port: 80 }] }] } as Endpoints;
    expect(withoutSpecialAddresses(ep).subsets?.[0]?.addresses?.map((a) => a.ip)).toEqual(['fd00::5']);
    const clean = { kind: 'EndpointSlice', addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }] } as EndpointSlice;
    expect(withoutSpecialAddresses(clean)).toBe(clean);
  });
});
