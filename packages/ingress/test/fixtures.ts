import { LABEL_SERVICE_NAME, type EndpointSlice, type HTTPIngressPath, type Ingress, type IngressSpec, type Secret, type Service } from '@svcnet/model';

let clock = Date.parse('2024-01-01T00:00:00Z');

/** An Ingress; each call is one second younger than the previous unless `created` is given. */
export function ingress(name: string, spec: IngressSpec, opts: { namespace?: string; created?: string; annotations?: Record<string, string> } = {}): Ingress & { kind: 'Ingress' } {
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


export function service(name: string, ports: { port: number; name?: string; targetPort?: number | string }[], namespace = 'default'): Service & { kind: 'Service' } {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { ports: ports.map((p) => ({ protocol: 'TCP', ...p })) },
  };
}

/** An EndpointSlice for a Service: `endpoints` are [address, ready] pairs, all on one port. */
export function slice(svc: string, portName: string, port: number, endpoints: [string, boolean][], name = `${svc}-${portName || 'x'}`, namespace = 'default'): EndpointSlice & { kind: 'EndpointSlice' } {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { [LABEL_SERVICE_NAME]: svc } },
    addressType: 'IPv4',
    endpoints: endpoints.map(([a, ready]) => ({ addresses: [a], conditions: { ready } })),
    ports: [{ name: portName, port, protocol: 'TCP' }],
  };
}

export function tlsSecret(name: string, cert: string, key: string, namespace = 'default'): Secret & { kind: 'Secret' } {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': Buffer.from(cert).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') },
  };
}
