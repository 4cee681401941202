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
}

/** Memoises hashed chain names (upstream stores them on servicePortInfo/endpointInfo). */
export class ChainNameCache {
  private readonly svc = new Map<string, ServiceChainNames>();
  private readonly sep = new Map<string, string>();

  service(info: ServicePortInfo): ServiceChainNames {
    const proto = info.protocol.toLowerCase();
    const k = info.nameString + proto;
    let n = this.svc.get(k);
    if (!n) {
      n = {
        cluster: servicePortPolicyClusterChain(info.nameString, proto),
        local: servicePortPolicyLocalChainName(info.nameString, proto),
        firewall: serviceFirewallChainName(info.nameString, proto),
        external: serviceExternalChainName(info.nameString, proto),
      };
      this.svc.set(k, n);
    }
    return n;
  }

  endpoint(info: ServicePortInfo, endpoint: string): string {
    const proto = info.protocol.toLowerCase();
    const k = `${info.nameString}${proto}${endpoint}`;
    let n = this.sep.get(k);
    if (!n) {
      n = servicePortEndpointChainName(info.nameString, proto, endpoint);
      if (this.sep.size > 1_000_000) this.sep.clear();
      this.sep.set(k, n);
    }
    return n;
  }
}
