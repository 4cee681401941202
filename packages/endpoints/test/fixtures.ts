import type { EndpointSlice, Endpoints, Pod, Service } from '@svcnet/model';
import type { Store } from '@svcnet/store';

export type Family = 'IPv4' | 'IPv6';
export const ipv4only: Family[] = ['IPv4'];
export const ipv6only: Family[] = ['IPv6'];
export const ipv4ipv6: Family[] = ['IPv4', 'IPv6'];
export const ipv6ipv4: Family[] = ['IPv6', 'IPv4'];

/** upstream's testPod: pod<id>, labels foo=bar, ports port<j> = 8080+j, IPs 1.2.3.<4+id> / 2000::<4+id>. */
export function testPod(namespace: string, id: number, nPorts: number, isReady: boolean, families: Family[] = ipv4only): Pod {
  const podIPs = families.map((f) => ({ ip: f === 'IPv4' ? `1.2.3.${4 + id}` : `2000::${4 + id}` }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace, name: `pod${id}`, labels: { foo: 'bar' }, resourceVersion: String(id) },
    spec: {
      containers: [{ name: 'c', ports: Array.from({ length: nPorts }, (_, j) => ({ name: `port${j}`, containerPort: 8080 + j })) }],
    },
    status: {
      conditions: [{ type: 'Ready', status: isReady ? 'True' : 'False' }],
      podIPs,
      podIP: podIPs[0]?.ip,
    },
  };
}

/** upstream's addPods: nPods ready pods then nNotReady not-ready ones. */
export function makePods(namespace: string, nPods: number, nPorts: number, nNotReady = 0, families: Family[] = ipv4only): Pod[] {
  return Array.from({ length: nPods + nNotReady }, (_, i) => testPod(namespace, i, nPorts, i < nPods, families));
}

export function service(namespace: string, name: string, spec: Service['spec'], labels?: Record<string, string>): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name, ...(labels ? { labels } : {}) }, spec };
}

export function endpoints(namespace: string, name: string, subsets: Endpoints['subsets'], meta: Partial<NonNullable<Endpoints['metadata']>> = {}): Endpoints {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { namespace, name, resourceVersion: '1', ...meta }, ...(subsets ? { subsets } : {}) };
}

/** Applies a change set to a list of slices, as the store would. */
export function applySlices(existing: readonly EndpointSlice[], changes: { create: EndpointSlice[]; update: EndpointSlice[]; delete: EndpointSlice[] }): EndpointSlice[] {
  const byName = new Map(existing.map((s) => [s.metadata!.name!, s]));
  for (const s of changes.delete) byName.delete(s.metadata!.name!);
  for (const s of [...changes.update, ...changes.create]) byName.set(s.metadata!.name!, structuredClone(s));
  return [...byName.values()];
}

export { seededRandom } from '@svcnet/model';

/** kubernetes-types marks server-set fields readonly; tests set them as a server would. */
export function writable<T>(o: T): { -readonly [K in keyof T]: T[K] } {
  return o as { -readonly [K in keyof T]: T[K] };
}

/**
 * Writes a Pod as a cluster does: the object as a client sends it (apply: the store drops a
 * client's status), then its status as the kubelet reports it, through the status subresource.
 */
export async function putPod(store: Store, pod: Pod): Promise<void> {
  const { resourceVersion: _rv, ...metadata } = pod.metadata ?? {};
  const object = { ...pod, kind: 'Pod' as const, metadata };
  await store.apply(object);
  if (pod.status) await store.updateStatus(object);
}
