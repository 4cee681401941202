import { describe, expect, it } from 'vitest';
import type { EndpointSlice } from '@svcnet/model';
import { makeService, makeSlice } from '../../test/fixtures.js';
import { endpointsFromSlices, isParsedSlice, parseEndpointSlice } from './endpointInfo.js';
import { ProxyState } from './proxyState.js';
import { STRICT_ADDRESSES } from './ruleAddress.js';

const slice = (mutate: (e: EndpointSlice) => void = () => undefined): EndpointSlice =>
  makeSlice('ns', 'web', 1, (e) => {
    e.endpoints = [{ addresses: ['10.244.1.2'], conditions: { ready: true } }];
    e.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
    mutate(e);
  });

describe('parseEndpointSlice: a value the rules cannot take skips the whole slice', () => {
  const cases: { name: string; slice: EndpointSlice; reason: string; message: string }[] = [
    { name: 'loopback address', slice: slice((e) => (e.endpoints = [{ addresses: ['10.244.1.3'] }, { addresses: ['127.0.0.1'] }])), reason: 'forbidden_address', message: 'EndpointSlice "ns/web-1" is invalid: endpoints[1].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback range' },
    { name: 'metadata address', slice: slice((e) => (e.endpoints = [{ addresses: ['169.254.169.254'] }])), reason: 'forbidden_address', message: 'link-local range' },
    { name: 'IPv6 loopback in an IPv6 slice', slice: slice((e) => { e.addressType = 'IPv6'; e.endpoints = [{ addresses: ['::1'] }]; }), reason: 'forbidden_address', message: 'loopback' },
    { name: 'address with a newline', slice: slice((e) => (e.endpoints = [{ addresses: ['10.244.1.2\n-A KUBE-SERVICES -j ACCEPT'] }])), reason: 'invalid_address', message: 'must be a valid IP address' },
    { name: 'address of the other family', slice: slice((e) => (e.endpoints = [{ addresses: ['fd00::1'] }])), reason: 'invalid_address', message: 'must be an IPv4 address' },
    { name: 'port out of range', slice: slice((e) => (e.ports = [{ name: 'http', port: 65536 }])), reason: 'invalid_port', message: 'ports[0].port' },
    { name: 'unknown protocol', slice: slice((e) => (e.ports = [{ name: 'http', port: 80, protocol: 'tcp' as 'TCP' }])), reason: 'invalid_protocol', message: 'ports[0].protocol' },
    { name: 'port name with a quote', slice: slice((e) => (e.ports = [{ name: 'h"ttp', port: 80 }])), reason: 'invalid_name', message: 'ports[0].name' },
    { name: 'namespace with a newline', slice: makeSlice('ns\nx', 'web', 1, (e) => { e.endpoints = [{ addresses: ['10.244.1.2'] }]; e.ports = [{ port: 80 }]; }), reason: 'invalid_name', message: 'metadata.namespace' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const family = c.slice.addressType === 'IPv6' ? 'IPv6' : 'IPv4';
      const r = parseEndpointSlice(c.slice, family, 'n1', STRICT_ADDRESSES);
      expect(isParsedSlice(r)).toBe(false);
      if (isParsedSlice(r)) return;
      expect([r.kind, r.reason]).toEqual(['EndpointSlice', c.reason]);
      expect(r.message).toContain(c.message);
      const heard: string[] = [];
      expect(endpointsFromSlices([c.slice], family, 'n1', STRICT_ADDRESSES, (p) => heard.push(p.key)).size).toBe(0);
      expect(heard).toEqual([r.key]);
    });
  }

  it('gives canonical addresses (IPv6 lower case and shortened)', () => {
    const s = slice((e) => { e.addressType = 'IPv6'; e.endpoints = [{ addresses: ['FD00:0:0:0::5'] }]; });
    expect(endpointsFromSlices([s], 'IPv6', 'n1').get('ns/web:http/TCP')?.[0]?.endpoint).toBe('[fd00::5]:8080');
  });
});

describe('EndpointsChangeTracker skips a bad slice and keeps the Service\'s other slices', () => {
  it('drops only the bad slice\'s endpoints and reports it until it is fixed', () => {
    const st = new ProxyState('IPv4', 'n1');
    st.onServiceUpdate(makeService('ns', 'web', (s) => { s.spec.clusterIP = '10.96.0.10'; s.spec.ports = [{ name: 'http', port: 80 }]; }));
    const good = slice();
    const bad = makeSlice('ns', 'web', 2, (e) => { e.endpoints = [{ addresses: ['127.0.0.1'] }]; e.ports = [{ name: 'http', port: 10249 }]; });
    st.onEndpointSliceUpdate(good);
    st.onEndpointSliceUpdate(bad);
    st.checkout();
    expect(st.endpoints.get('ns/web:http/TCP')?.map((e) => e.endpoint)).toEqual(['10.244.1.2:8080']);
    expect(st.invalid.list().map((o) => `${o.kind} ${o.key} ${o.reason}`)).toEqual(['EndpointSlice ns/web-2 forbidden_address']);
    st.onEndpointSliceDelete(bad);
    expect(st.invalid.size).toBe(0);
  });
});
