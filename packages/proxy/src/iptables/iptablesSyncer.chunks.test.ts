import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TEST_NODE_IP, TEST_NODE_NAME, makeService, makeSlice } from '../../test/fixtures.js';
import { ManualClock } from '@svcnet/store';
import { ProxyState } from '../core/proxyState.js';
import { proxyOptions } from '../core/proxyOptions.js';
import { applyRestore, stateToString } from './iptablesDump.js';
import type { IPTablesState } from './iptablesDump.js';
import { renderIPTables } from './iptablesRenderer.js';
import { IPTablesSyncer } from './iptablesSyncer.js';

// The top-level text of a partial sync comes from cached chunks of ~64 service ports: with a few
// hundred services, adds, deletes and changes land in, split and empty many chunks. The partial
// syncs must still leave the rules of one full sync, and write every top-level rule in order.
const options = proxyOptions({ nodeName: TEST_NODE_NAME, nodeIPs: [TEST_NODE_IP], clusterCIDRs: ['10.0.0.0/8'] });
const N = 200;
const service = (i: number) =>
  makeService('ns', `svc${i}`, (s) => {
    s.spec.type = i % 5 === 0 ? 'NodePort' : 'ClusterIP';
    s.spec.clusterIP = `172.30.${i >> 8}.${i & 255}`;
    s.spec.ports = [{ name: 'p', port: 80, protocol: 'TCP', ...(i % 5 === 0 ? { nodePort: 30000 + i } : {}) }];
  });
const slice = (i: number, v: number) =>
  makeSlice('ns', `svc${i}`, 1, (e) => {
    e.endpoints = Array.from({ length: v % 3 }, (_, k) => ({ addresses: [`10.${i >> 8}.${i & 255}.${v * 3 + k + 1}`] }));
    e.ports = [{ name: 'p', port: 8080, protocol: 'TCP' }];
  });
type Op = { kind: 'add' | 'del' | 'eps'; i: number; v: number };
const opArb = fc.record({ kind: fc.constantFrom('add' as const, 'del' as const, 'eps' as const), i: fc.integer({ min: 0, max: N + 100 }), v: fc.integer({ min: 0, max: 50 }) });
const topLevel = (text: string) => text.split('\n').filter((l) => /^-A KUBE-(SERVICES|NODEPORTS|EXTERNAL-SERVICES) /.test(l)).join('\n');

describe('partial sync over many chunks', () => {
  it('partial syncs in order == one full sync, top-level rules written in full and in order', () => {
    fc.assert(
      fc.property(fc.array(fc.array(opArb, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 5 }), (batches: Op[][]) => {
        const st = new ProxyState('IPv4', TEST_NODE_NAME);
        for (let i = 0; i < N; i++) {
          st.onServiceUpdate(service(i));
          st.onEndpointSliceUpdate(slice(i, 1));
        }
        const syncer = new IPTablesSyncer(st, options, { clock: new ManualClock(1_000_000) });
        const kernel: IPTablesState = new Map();
        const first = syncer.prepare();
        applyRestore(kernel, first.text);
        syncer.commit(first, true);
        for (const batch of batches) {
          for (const op of batch) {
            if (op.kind === 'add') st.onServiceUpdate(service(op.i));
            else if (op.kind === 'del') st.onServiceDelete(service(op.i));
            else st.onEndpointSliceUpdate(slice(op.i, op.v));
          }
          const p = syncer.prepare();
          expect(p.full).toBe(false);
          applyRestore(kernel, p.text);
          syncer.commit(p, true);
          const fresh = renderIPTables({ family: 'IPv4', services: st.services, endpoints: st.endpoints, options, full: true }).text;
          expect(topLevel(p.text)).toBe(topLevel(fresh));
        }
        const fresh = renderIPTables({ family: 'IPv4', services: st.services, endpoints: st.endpoints, options, full: true }).text;
        const model: IPTablesState = new Map();
        applyRestore(model, fresh);
        expect(stateToString(kernel)).toBe(stateToString(model));
        // A periodic full sync from the cache is byte-identical to a render without one.
        syncer.forceFullSync();
        expect(syncer.prepare().text).toBe(fresh);
      }),
      { numRuns: 8 },
    );
  });
});
