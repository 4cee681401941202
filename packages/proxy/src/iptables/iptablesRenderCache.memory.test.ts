import { getHeapStatistics } from 'node:v8';
import { exposedGc } from '@svcnet/testkit';
import { describe, expect, it } from 'vitest';
import { TEST_NODE_IP, TEST_NODE_NAME, makeService, makeSlice } from '../../test/fixtures.js';
import { proxyOptions } from '../core/proxyOptions.js';
import { ProxyState } from '../core/proxyState.js';
import { IPTablesRenderCache } from './iptablesRenderCache.js';
import { renderIPTables } from './iptablesRenderer.js';

const options = proxyOptions({ nodeName: TEST_NODE_NAME, nodeIPs: [TEST_NODE_IP], clusterCIDRs: ['10.0.0.0/8'], localhostNodePorts: true });
const SERVICES = 400;
const PER_SERVICE = 10;

/** Services x 10 ready endpoints, checked out (the maps a proxier renders from). */
function state(): ProxyState {
  const st = new ProxyState('IPv4', TEST_NODE_NAME);
  for (let i = 0; i < SERVICES; i++) {
    const name = `svc-${i}`;
    st.onServiceUpdate(
      makeService('ns', name, (s) => {
        s.spec.clusterIP = `172.30.${i >> 8}.${i & 255}`;
        s.spec.ports = [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }];
      }),
    );
    st.onEndpointSliceUpdate(
      makeSlice('ns', name, 1, (e) => {
        e.endpoints = Array.from({ length: PER_SERVICE }, (_, j) => ({ addresses: [`10.${i >> 8}.${i & 255}.${j + 1}`], conditions: { ready: true }, nodeName: `node-${j}` }));
        e.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
      }),
    );
  }
  st.checkout();
  return st;
}

describe('IPTablesRenderCache memory (issue 18)', () => {
  it('keeps per service port its top-level rules and chain names, not the text of its own chains', () => {
    const gc = exposedGc();
    const st = state();
    const samples: number[] = [];
    const caches: IPTablesRenderCache[] = [];
    // The least of 3 samples: other allocations in the runner only add to one.
    for (let round = 0; round < 3; round++) {
      gc();
      const before = getHeapStatistics().used_heap_size;
      const cache = new IPTablesRenderCache();
      const out = renderIPTables({ family: 'IPv4', services: st.services, endpoints: st.endpoints, options, full: true, cache });
      expect(out.largeClusterMode).toBe(true);
      expect(out.text.match(/^:KUBE-SEP-/gm)).toHaveLength(SERVICES * PER_SERVICE);
      caches.push(cache);
      gc();
      samples.push((getHeapStatistics().used_heap_size - before) / SERVICES);
    }
    expect(caches.every((c) => c.ports.fragments.size === SERVICES)).toBe(true);
    const perPort = Math.min(...samples);
    // What is left per port of 10 endpoints: ~11 chain names (flat, with the name cache's map
    // entries), its chain list and the set of active chains, its KUBE-SERVICES rule (and the
    // chunk's copy) and the fragment record: ~2.7 KB measured on Node 20 and 24. With the own
    // chains' text kept as well (~22 lines in largeClusterMode) it was ~5.9 KB.
    expect(perPort).toBeLessThan(3_300);
  });
});
