/** The IP family one proxier instance handles; kube-proxy runs one proxier per family. */
export type { IPFamily } from '@svcnet/model';
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** `namespace/name`: the key of a Service (upstream's types.NamespacedName). */
export type ServiceKey = string;

/** One port of one Service, as upstream's proxy.ServicePortName. */
export interface ServicePortName {
  namespace: string;
  name: string;
  /** The port's name; empty for a single unnamed port. */
  port: string;
  protocol: Protocol;
}

/**
 * What a proxier needs to know about one service port (upstream BaseServicePortInfo), already
 * filtered to this proxier's IP family.
 */
export interface ServicePortInfo {
  readonly portName: ServicePortName;
  /** `ns/name:port` (or `ns/name` when the port has no name): upstream ServicePortName.String(). */
  readonly nameString: string;
  readonly serviceKey: ServiceKey;
  readonly clusterIP: string;
  readonly port: number;
  readonly protocol: Protocol;
  /** 0 when the Service has no NodePort. */
  readonly nodePort: number;
  readonly externalIPs: readonly string[];
  readonly loadBalancerVIPs: readonly string[];
  readonly loadBalancerSourceRanges: readonly string[];
  readonly sessionAffinityClientIP: boolean;
  /** spec.sessionAffinityConfig.clientIP.timeoutSeconds, 10800 by default. */
  readonly stickyMaxAgeSeconds: number;
  readonly healthCheckNodePort: number;
  /** externalTrafficPolicy Local on an externally accessible Service. */
  readonly externalPolicyLocal: boolean;
  /** internalTrafficPolicy Local. */
  readonly internalPolicyLocal: boolean;
  /** True when topology hints may be used (trafficDistribution or the topology-mode annotation). */
  readonly hintsEnabled: boolean;
}

/** One endpoint of one service port (upstream BaseEndpointInfo). */
export interface EndpointInfo {
  readonly ip: string;
  readonly port: number;
  /** `ip:port`, `[ip]:port` for IPv6: upstream BaseEndpointInfo.String(). */
  readonly endpoint: string;
  readonly isLocal: boolean;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  /** Zones from hints.forZones; undefined when the endpoint has no hints. */
  readonly zoneHints?: readonly string[];
  readonly nodeName?: string;
}

/** True when traffic to the service arrives on node-level addresses (NodePort, LB, externalIPs). */
export function externallyAccessible(svc: ServicePortInfo): boolean {
  return svc.nodePort !== 0 || svc.loadBalancerVIPs.length > 0 || svc.externalIPs.length > 0;
}

/** Matches upstream UsesClusterEndpoints. */
export function usesClusterEndpoints(svc: ServicePortInfo): boolean {
  return !svc.internalPolicyLocal || (externallyAccessible(svc) && !svc.externalPolicyLocal);
}

/** Matches upstream UsesLocalEndpoints. */
export function usesLocalEndpoints(svc: ServicePortInfo): boolean {
  return svc.internalPolicyLocal || (externallyAccessible(svc) && svc.externalPolicyLocal);
}

export function servicePortNameString(n: ServicePortName): string {
  return n.port ? `${n.namespace}/${n.name}:${n.port}` : `${n.namespace}/${n.name}`;
}

/** A map key for a service port, unique across protocol too. */
export function servicePortKey(n: ServicePortName): string {
  return `${servicePortNameString(n)}/${n.protocol}`;
}

