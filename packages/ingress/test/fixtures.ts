import type { HTTPIngressPath, Ingress, IngressSpec } from '@svcnet/model';

let clock = Date.parse('2024-01-01T00:00:00Z');

/** An Ingress; each call is one second younger than the previous unless `created` is given. */
export function ingress(name: string, spec: IngressSpec, opts: { namespace?: string; created?: string; annotations?: Record<string, string> } = {}): Ingress {
  clock += 1000;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace: opts.namespace ?? 'default',
      creationTimestamp: opts.created ?? new Date(clock).toISOString(),
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    },
    spec,
  };
}

export function path(p: string, pathType: string, service: string, port: number | string = 8080): HTTPIngressPath {
  return {
    path: p,
    pathType,
    backend: { service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } } },
  };
}

export function rule(host: string | undefined, ...paths: HTTPIngressPath[]): NonNullable<IngressSpec['rules']>[number] {
  return { ...(host !== undefined ? { host } : {}), http: { paths } };
}
