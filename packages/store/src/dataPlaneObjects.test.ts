import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Endpoints, Pod } from '@svcnet/model';
import { dataPlaneObjects, type WithheldEndpoints } from './dataPlaneObjects.js';
import { MemoryStore } from './memoryStore.js';
import { dataPlaneEndpoints, dataPlaneSlice, type PodVerdict } from './simulatedEndpoints.js';

const ref = (name: string) => ({ kind: 'Pod', namespace: 'default', name });
const slice = (name: string, endpoints: [string, string | undefined][]): EndpointSlice & { kind: 'EndpointSlice' } => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
  metadata: { namespace: 'default', name, labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  endpoints: endpoints.map(([ip, pod]) => ({ addresses: [ip], conditions: { ready: true }, ...(pod ? { targetRef: ref(pod) } : {}) })),
  ports: [{ name: '', port: 8080, protocol: 'TCP' }],
});
const pod = (name: string, simulated: boolean): Pod & { kind: 'Pod' } => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { namespace: 'default', name, ...(simulated ? { annotations: { 'svcnet.io/simulated': 'true' } } : {}) },
  spec: { containers: [{ name: 'c', image: 'x' }] },
});
const addresses = (s: EndpointSlice | undefined) => (s?.endpoints ?? []).map((e) => e.addresses[0]);

/** Polls (bounded: 200 x 10 ms) until `f` holds. */
async function until(f: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(f()).toBe(true);
}

describe('dataPlaneSlice / dataPlaneEndpoints: what a data plane may send packets to', () => {
  const verdicts: Record<string, PodVerdict> = { 'default/real': 'real', 'default/sim': 'simulated' };
  const verdictOf = (k: string): PodVerdict => verdicts[k] ?? 'unknown';

  it('keeps real Pods and endpoints naming no Pod; leaves out simulated and unknown Pods, counting the simulated', () => {
    const s = slice('web-1', [['10.244.0.2', 'real'], ['10.244.0.3', 'sim'], ['10.244.0.4', 'gone'], ['192.0.2.9', undefined]]);
    const v = dataPlaneSlice(s, verdictOf);
    expect(addresses(v.object)).toEqual(['10.244.0.2', '192.0.2.9']);
    expect(v).toMatchObject({ simulated: 1, unknownPods: 1, pods: ['default/real', 'default/sim', 'default/gone'] });
    expect(v.object.metadata?.annotations?.['svcnet.io/simulated-endpoints']).toBe('1');
    expect(s.endpoints).toHaveLength(4); // the input is not touched
    const clean = slice('web-2', [['10.244.0.2', 'real']]);
    expect(dataPlaneSlice(clean, verdictOf).object).toBe(clean);
  });

  it('does the same for the addresses of v1 Endpoints, ready or not', () => {
    const ep: Endpoints = {
      apiVersion: 'v1', kind: 'Endpoints', metadata: { namespace: 'default', name: 'web' },
      subsets: [{ addresses: [{ ip: '10.244.0.2', targetRef: ref('real') }, { ip: '10.244.0.3', targetRef: ref('sim') }], notReadyAddresses: [{ ip: '10.244.0.5', targetRef: ref('sim') }], ports: [{ port: 8080 }] }],
    };
    const v = dataPlaneEndpoints(ep, verdictOf);
    expect(v.object.subsets?.[0]).toMatchObject({ addresses: [{ ip: '10.244.0.2' }], notReadyAddresses: [] });
    expect(v.simulated).toBe(2);
  });
});

describe('dataPlaneObjects: filtered informers over a store', () => {
  it('follows the Pods: an endpoint is used once its Pod is known and real, never while it is simulated or gone', async () => {
    const store = new MemoryStore();
    await store.apply(pod('real', false));
    await store.apply(pod('sim', true));
    await store.apply(slice('web-1', [['10.244.0.2', 'real'], ['10.244.0.3', 'sim'], ['10.244.0.4', 'late']]));
    const heard: WithheldEndpoints[] = [];
    const dp = dataPlaneObjects(store, { onWithheld: (w) => heard.push(w) });
    try {
      const events: string[] = [];
      dp.endpointSlices.on((e) => events.push(`${e.type} ${addresses(e.object).join(',')}`));
      await dp.synced;
      expect(addresses(dp.endpointSlices.get('default/web-1'))).toEqual(['10.244.0.2']);
      expect(dp.withheld()).toEqual({ simulated: 1, unknownPods: 1 });
      expect(events).toEqual(['ADDED 10.244.0.2']);

      // The late Pod arrives, real: its endpoint is handed on.
      await store.apply(pod('late', false));
      await until(() => addresses(dp.endpointSlices.get('default/web-1')).length === 2);
      expect(events.at(-1)).toBe('MODIFIED 10.244.0.2,10.244.0.4');
      // The simulated Pod is deleted while the slice still lists it: still no packets.
      await store.delete('Pod', 'default', 'sim');
      await until(() => dp.withheld().unknownPods === 1 && dp.withheld().simulated === 0);
      expect(addresses(dp.endpointSlices.get('default/web-1'))).toEqual(['10.244.0.2', '10.244.0.4']);
      // A slice naming a Pod not written yet, which then turns out simulated.
      await store.apply(slice('web-2', [['10.244.0.9', 'next']]));
      await until(() => dp.endpointSlices.get('default/web-2') !== undefined);
      expect(addresses(dp.endpointSlices.get('default/web-2'))).toEqual([]);
      await store.apply(pod('next', true));
      await until(() => dp.withheld().simulated === 1);
      expect(addresses(dp.endpointSlices.get('default/web-2'))).toEqual([]);
      expect(dp.endpointSlices.get('default/web-2')?.metadata?.annotations?.['svcnet.io/simulated-endpoints']).toBe('1');
      expect(heard[0]).toEqual({ simulated: 1, unknownPods: 1 });
      expect(heard.at(-1)).toEqual({ simulated: 1, unknownPods: 1 });
    } finally {
      dp.stop();
      await store.close();
    }
  });
});
