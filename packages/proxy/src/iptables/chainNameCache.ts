import type { ServicePortInfo } from '../core/types.js';
import {
  serviceExternalChainName,
  serviceFirewallChainName,
  servicePortEndpointChainName,
  servicePortPolicyClusterChain,
  servicePortPolicyLocalChainName,
} from './chainNames.js';

export interface ServiceChainNames {
  cluster: string;
  local: string;
  firewall: string;
  external: string;
  /** endpoint (`ip:port`) -> KUBE-SEP- chain, filled on demand. */
  readonly seps: Map<string, string>;
}

/** Above this many cached endpoint chain names the cache starts over (bounds memory). */
const MAX_ENDPOINT_NAMES = 1_000_000;

/**
 * Memoises hashed chain names (upstream stores them on servicePortInfo/endpointInfo): per service
 * port, looked up first by the ServicePortInfo object itself, then by name, so a sync hashes only
 * names it has never seen.
 */
export class ChainNameCache {
  private readonly byInfo = new WeakMap<ServicePortInfo, ServiceChainNames>();
  private readonly svc = new Map<string, ServiceChainNames>();
  private endpointNames = 0;

  service(info: ServicePortInfo): ServiceChainNames {
    let n = this.byInfo.get(info);
    if (n) return n;
    const proto = info.protocol.toLowerCase();
    const k = info.nameString + proto;
    n = this.svc.get(k);
    if (!n) {
      n = {
        cluster: servicePortPolicyClusterChain(info.nameString, proto),
        local: servicePortPolicyLocalChainName(info.nameString, proto),
        firewall: serviceFirewallChainName(info.nameString, proto),
        external: serviceExternalChainName(info.nameString, proto),
        seps: new Map(),
      };
      this.svc.set(k, n);
    }
    this.byInfo.set(info, n);
    return n;
  }

  endpoint(info: ServicePortInfo, endpoint: string): string {
    return this.endpointOf(this.service(info), info, endpoint);
  }

  /** As `endpoint`, with the service's names already looked up. */
  endpointOf(n: ServiceChainNames, info: ServicePortInfo, endpoint: string): string {
    let name = n.seps.get(endpoint);
    if (name === undefined) {
      if (this.endpointNames >= MAX_ENDPOINT_NAMES) {
        for (const s of this.svc.values()) s.seps.clear();
        this.endpointNames = 0;
      }
      name = servicePortEndpointChainName(info.nameString, info.protocol.toLowerCase(), endpoint);
      n.seps.set(endpoint, name);
      this.endpointNames++;
    }
    return name;
  }
}
