/**
 * Options of the record index, named as the CoreDNS kubernetes plugin's Corefile directives
 * (https://coredns.io/plugins/kubernetes/): `zone`, `ttl`, `pods`, `endpoint_pod_names`,
 * `ignore empty_service`, `namespaces`, `fallthrough`.
 */
export type PodMode = 'disabled' | 'insecure' | 'verified';

export interface RecordIndexOptions {
  /** The cluster domain (CoreDNS: the plugin's first zone). Default `cluster.local`. */
  zone?: string;
  /**
   * Reverse zones answered from ClusterIPs and endpoint IPs (CoreDNS: further plugin zones).
   * Default `in-addr.arpa` and `ip6.arpa`, as the kubeadm Corefile.
   */
  reverseZones?: readonly string[];
  /** TTL of every record (CoreDNS `ttl`, 0..3600). Default 5. */
  ttl?: number;
  /** `pods disabled|insecure|verified`: the deprecated `a-b-c-d.<ns>.pod.<zone>` names. Default disabled. */
  pods?: PodMode;
  /** `endpoint_pod_names`: name endpoints without a hostname after their Pod (targetRef) instead of their IP. */
  endpointPodNames?: boolean;
  /** `ignore empty_service`: NXDOMAIN for ClusterIP Services with no ready endpoint. */
  ignoreEmptyService?: boolean;
  /** `namespaces`: only these namespaces are exposed; empty means all. */
  namespaces?: readonly string[];
  /**
   * `fallthrough [ZONES...]`: a name error in these zones is passed on (to the forwarder) instead of
   * answered NXDOMAIN. Default the reverse zones, as the kubeadm Corefile; `[]` turns it off.
   */
  fallthrough?: readonly string[];
  /** Addresses of this DNS server, for the `ns.dns.<zone>` glue records. Default 127.0.0.1. */
  nsAddresses?: readonly string[];
}

export interface ResolvedOptions {
  zone: string;
  reverseZones: readonly string[];
  ttl: number;
  pods: PodMode;
  endpointPodNames: boolean;
  ignoreEmptyService: boolean;
  namespaces: ReadonlySet<string>;
  fallthrough: readonly string[];
  nsAddresses: readonly string[];
}

/** Lower case without the trailing dot: the form every name takes inside the index. */
export function canonicalName(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

export function resolveOptions(o: RecordIndexOptions = {}): ResolvedOptions {
  const ttl = o.ttl ?? 5;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 3600) {
    throw new RangeError(`plugin/kubernetes: ttl ${ttl} is invalid: use an integer from 0 to 3600`);
  }
  const pods = o.pods ?? 'disabled';
  if (!['disabled', 'insecure', 'verified'].includes(pods)) {
    throw new RangeError(`plugin/kubernetes: pods "${String(pods)}" is invalid: use disabled, insecure or verified`);
  }
  const reverseZones = (o.reverseZones ?? ['in-addr.arpa', 'ip6.arpa']).map(canonicalName);
  return {
    zone: canonicalName(o.zone ?? 'cluster.local'),
    reverseZones,
    ttl,
    pods,
    endpointPodNames: o.endpointPodNames ?? false,
    ignoreEmptyService: o.ignoreEmptyService ?? false,
    namespaces: new Set(o.namespaces ?? []),
    fallthrough: (o.fallthrough ?? reverseZones).map(canonicalName),
    nsAddresses: o.nsAddresses ?? ['127.0.0.1'],
  };
}
