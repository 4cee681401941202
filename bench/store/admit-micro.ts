// Micro-benchmark of the store's write path pieces: parseIP, admit, MemoryStore.create (validated and
// trusted). Prints µs per call.
// Run: node --conditions=@svcnet/source --import tsx bench/store/admit-micro.ts
import { performance } from 'node:perf_hooks';
import { admit, formatIP, parseIP, type Service } from '@svcnet/model';
import { MemoryStore } from '@svcnet/store';

const svc = (name: string): Service & { kind: 'Service' } => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'bench', labels: { app: 'bench' }, annotations: { seq: '1' } },
  spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 8443 }] },
});

function time(label: string, n: number, fn: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(n, 2000); i++) fn(i); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  const us = ((performance.now() - t0) * 1000) / n;
  console.log(`${label.padEnd(34)} ${us.toFixed(3)} µs/call`);
}

const addrs = ['10.96.0.1', '192.168.100.254', 'fd00:10:96::a', '2001:db8::ffff:1.2.3.4', 'not-an-ip', '1.2.3.04'];
time('parseIP (mixed 6 addresses)', 200_000, (i) => parseIP(addrs[i % addrs.length]!));
time('parseIP IPv4', 200_000, () => parseIP('10.96.12.34'));
time('parseIP IPv6', 200_000, () => parseIP('fd00:10:96::1234'));
const v4 = parseIP('10.96.12.34')!;
const v6 = parseIP('fd00:10:96::1234')!;
time('formatIP IPv4', 200_000, () => formatIP(v4));
time('formatIP IPv6', 200_000, () => formatIP(v6));

const input = svc('x');
const opts = { serviceIPFamilies: ['IPv4' as const] };
time('admit (Service create)', 20_000, () => admit(input as never, undefined, opts));
const slice = {
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'web-abc12', namespace: 'bench', labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: Array.from({ length: 100 }, (_, i) => ({
    addresses: [`10.244.${i >> 8}.${i & 255}`],
    conditions: { ready: true, serving: true, terminating: false },
    nodeName: `node-${i % 10}`,
    zone: 'zone-a',
    targetRef: { kind: 'Pod', namespace: 'bench', name: `web-${i}`, uid: `uid-${i}` },
  })),
};
time('admit EndpointSlice (100 endpoints)', 2_000, () => admit(slice as never, undefined, opts));
time('admit owned (caller clones)', 20_000, () => admit(structuredClone(input) as never, undefined, { ...opts, owned: true } as never));

async function storeCreate(trusted: boolean): Promise<void> {
  const store = new MemoryStore({ serviceCIDRs: ['10.0.0.0/8'] });
  const n = 10_000;
  const objs = Array.from({ length: n }, (_, i) => svc(`s-${i}`));
  for (let i = 0; i < 500; i++) await store.create(svc(`warm-${i}`), { trusted });
  const t0 = performance.now();
  for (const o of objs) await store.create(o, { trusted });
  const us = ((performance.now() - t0) * 1000) / n;
  console.log(`${`MemoryStore.create${trusted ? ' trusted' : ''}`.padEnd(34)} ${us.toFixed(3)} µs/call`);
  if (!trusted) {
    // apply with a changed annotation: an update of a Service that holds a ClusterIP, 10,500 stored.
    const t1 = performance.now();
    for (let i = 0; i < n; i++) {
      const o = svc(`s-${i}`);
      o.metadata!.annotations = { seq: '2' };
      await store.apply(o);
    }
    console.log(`${'MemoryStore.apply (update)'.padEnd(34)} ${(((performance.now() - t1) * 1000) / n).toFixed(3)} µs/call`);
  }
  await store.close();
}
await storeCreate(false);
await storeCreate(true);
