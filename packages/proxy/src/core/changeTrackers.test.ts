import { describe, expect, it } from 'vitest';
import { makeService, makeSlice } from '../../test/fixtures.js';
import { ProxyState } from './proxyState.js';
import { endpointsFromSlices } from './endpointInfo.js';

const svc = (ip = '172.30.0.1', port = 80) =>
  makeService('ns', 'web', (s) => {
    s.spec.clusterIP = ip;
    s.spec.ports = [{ name: 'http', port, protocol: 'TCP' }];
  });

describe('change trackers', () => {
  it('hands each sync only the services that changed', () => {
    const st = new ProxyState('IPv4', 'n1');
    st.onServiceUpdate(svc());
    st.onServiceUpdate(makeService('ns', 'other', (s) => { s.spec.clusterIP = '172.30.0.2'; s.spec.ports = [{ port: 53, protocol: 'UDP' }]; }));
    expect([...st.checkout().updatedServices].sort()).toEqual(['ns/other', 'ns/web']);
    expect(st.services.size).toBe(2);
    st.onServiceUpdate(svc('172.30.0.1', 81));
    expect([...st.checkout().updatedServices]).toEqual(['ns/web']);
    expect(st.checkout().updatedServices.size).toBe(0);
  });

  it('drops a change that is undone before the sync', () => {
    const st = new ProxyState('IPv4', 'n1');
    st.onServiceUpdate(svc());
    st.checkout();
    st.onServiceUpdate(svc('172.30.0.1', 81));
    expect(st.hasPendingChanges()).toBe(true);
    st.onServiceUpdate(svc());
    expect(st.hasPendingChanges()).toBe(false);
    const add = makeSlice('ns', 'web', 1, (e) => { e.endpoints = [{ addresses: ['10.0.0.1'] }]; e.ports = [{ name: 'http', port: 8080 }]; });
    st.onEndpointSliceUpdate(add);
    st.onEndpointSliceDelete(add);
    expect(st.hasPendingChanges()).toBe(false);
  });

  it('skips headless, ExternalName and other-family services', () => {
    const st = new ProxyState('IPv4', 'n1');
    st.onServiceUpdate(makeService('ns', 'h', (s) => { s.spec.clusterIP = 'None'; s.spec.ports = [{ port: 80 }]; }));
    st.onServiceUpdate(makeService('ns', 'x', (s) => { s.spec.type = 'ExternalName'; s.spec.externalName = 'a.example'; }));
    st.onServiceUpdate(makeService('ns', 'v6', (s) => { s.spec.clusterIP = 'fd00::1'; s.spec.ports = [{ port: 80 }]; }));
    st.checkout();
    expect(st.services.size).toBe(0);
  });

  it('merges slices, dedupes endpoints and records trigger times', () => {
    const st = new ProxyState('IPv4', 'n1');
    st.onServiceUpdate(svc());
    const a = makeSlice('ns', 'web', 1, (e) => {
      e.metadata!.annotations = { 'endpoints.kubernetes.io/last-change-trigger-time': '2024-01-01T00:00:00Z' };
      e.endpoints = [{ addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.1'], nodeName: 'n1' }];
      e.ports = [{ name: 'http', port: 8080 }];
    });
    const b = makeSlice('ns', 'web', 2, (e) => { e.endpoints = [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.3'], conditions: { ready: false } }]; e.ports = [{ name: 'http', port: 8080 }]; });
    st.onEndpointSliceUpdate(a);
    st.onEndpointSliceUpdate(b);
    const c = st.checkout();
    expect(c.lastChangeTriggerTimes.get('ns/web')).toEqual([Date.parse('2024-01-01T00:00:00Z')]);
    const eps = st.endpoints.get('ns/web:http/TCP') ?? [];
    expect(eps.map((e) => [e.endpoint, e.isLocal, e.ready])).toEqual([
      ['10.0.0.1:8080', true, true],
      ['10.0.0.2:8080', false, true],
      ['10.0.0.3:8080', false, false],
    ]);
  });

  it('formats IPv6 endpoints as [ip]:port and ignores the other family', () => {
    const s = makeSlice('ns', 'web', 1, (e) => { e.addressType = 'IPv6'; e.endpoints = [{ addresses: ['fd00::5'] }]; e.ports = [{ name: 'http', port: 80 }]; });
    expect(endpointsFromSlices([s], 'IPv6', 'n1').get('ns/web:http/TCP')?.[0]?.endpoint).toBe('[fd00::5]:80');
    expect(endpointsFromSlices([s], 'IPv4', 'n1').size).toBe(0);
  });
});
