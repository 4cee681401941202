// Small object builders and helpers shared by the reliability suite.
import type { EndpointSlice, KubeObject, Pod, Service } from '@svcnet/model';
import type { Store } from '@svcnet/store';

export type Meta = { namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };

export function goodService(name: string, meta: Meta = {}, spec: Service['spec'] = { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }): Service & { kind: 'Service' } {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: meta.namespace ?? 'default', ...(meta.labels ? { labels: meta.labels } : {}), ...(meta.annotations ? { annotations: meta.annotations } : {}) }, spec };
}

export function readyPod(name: string, app: string, ip: string, meta: Meta = {}): Pod & { kind: 'Pod' } {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: meta.namespace ?? 'default', labels: { app, ...meta.labels }, ...(meta.annotations ? { annotations: meta.annotations } : {}) },
    spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 8080, name: 'http' }] }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/**
 * Writes a Pod as a cluster does: the object as a client sends it (the store drops a client's
 * status, as the API server does), then its status as the kubelet reports it, through updateStatus.
 */
export async function putPod(store: Store, pod: Pod & { kind: 'Pod' }): Promise<void> {
  const { status, ...object } = pod;
  await store.apply(object);
  if (status) await store.updateStatus(pod);
}

/**
 * An EndpointSlice naming a backend this test runs on 127.0.0.1. The store refuses loopback
 * endpoint addresses from every writer, trusted ones included (issue 22), and without network
 * namespaces loopback is the only address a test backend can listen on; so the slice is handed to
 * a consumer's view directly (IngressView.upsert), standing in for a pod network, never written.
 */
export function loopbackSlice(service: string, port: number, namespace = 'default'): EndpointSlice & { kind: 'EndpointSlice' } {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-loopback`, namespace, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    ports: [{ name: 'http', port, protocol: 'TCP' }],
  };
}

/** Applies each object, collecting names applied and errors thrown (never rethrows). */
export async function applyAll(store: Store, objects: readonly unknown[]): Promise<{ ok: string[]; rejected: unknown[] }> {
  const ok: string[] = [];
  const rejected: unknown[] = [];
  for (const o of objects) {
    try {
      const r = await store.apply(o as Service & { kind: 'Service' });
      ok.push((r.object as KubeObject).metadata?.name ?? '');
    } catch (e) {
      rejected.push(e);
    }
  }
  return { ok, rejected };
}

export const rssMiB = () => process.memoryUsage().rss / (1 << 20);
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` every `every` ms until true or `ms` pass; returns the last result. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000, every = 20): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(every);
  }
}

/** key -> resourceVersion, sorted, for "this cache equals the store" checks. */
export function versions(items: readonly KubeObject[]): string {
  const pairs = items.map((o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name}@${o.metadata?.resourceVersion ?? ''}`);
  return pairs.sort().join(',');
}
