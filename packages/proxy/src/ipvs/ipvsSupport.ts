import { existsSync, readFileSync } from 'node:fs';
import type { IPFamily } from '../core/types.js';
import { hostIPTablesVersion } from '../engine/iptablesVersion.js';

export type ProxyMode = 'iptables' | 'nftables' | 'ipvs' | 'userspace';

/** Probes of the host, injected so the decision is testable. */
export interface KernelProbe {
  /** True when the kernel has IPVS (/proc/net/ip_vs exists or ip_vs is loaded). */
  ipvs(): boolean;
  /** `iptables --version` (ip6tables for IPv6), undefined when it cannot run (features: --random-fully). */
  iptablesVersion?(family: IPFamily): string | undefined;
}

/** Upstream's check before using IPVS: the ip_vs module must be present. */
export const hostKernel: KernelProbe = {
  ipvs: () => {
    if (existsSync('/proc/net/ip_vs')) return true;
    try {
      return /^ip_vs\s/m.test(readFileSync('/proc/modules', 'utf8'));
    } catch {
      return false;
    }
  },
  iptablesVersion: hostIPTablesVersion,
};

export interface ModeDecision {
  mode: ProxyMode;
  requested: ProxyMode;
  /** Why the requested mode is not used; to be logged and shown in status. */
  fallbackReason?: string;
}

/** Picks the mode to run: ipvs falls back to iptables when the kernel lacks IPVS (as kube-proxy). */
export function chooseProxyMode(requested: ProxyMode, probe: KernelProbe = hostKernel): ModeDecision {
  if (requested === 'ipvs' && !probe.ipvs()) {
    return {
      mode: 'iptables',
      requested,
      fallbackReason: 'proxy: can\'t use the IPVS proxier: the kernel has no IPVS (no /proc/net/ip_vs, ip_vs module not loaded); falling back to iptables',
    };
  }
  return { mode: requested, requested };
}
