// Services and EndpointSlices for proxy tests, shaped as the store hands them to a proxier.
import type { EndpointSlice, Service } from '@svcnet/model';

export function clusterIPService(name: string, clusterIP: string, port: number, extra: Partial<NonNullable<Service['spec']>> = {}, protocol: 'TCP' | 'UDP' = 'TCP'): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', resourceVersion: '1' },
    spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], selector: { app: name }, ports: [{ name: 'p', protocol, port, targetPort: port }], ...extra },
  };
}

export function slice(service: string, ips: readonly string[], port: number, protocol: 'TCP' | 'UDP' = 'TCP', node = 'node-a'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': service }, resourceVersion: '1' },
    addressType: 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: node })),
    ports: [{ name: 'p', port, protocol }],
  };
}
