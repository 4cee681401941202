import { allocateLoadBalancerIP } from '@svcnet/model';
import { hostExec, type IPFamily } from '@svcnet/proxy';
import type { Logger } from 'pino';
import type { AgentConfig } from './config.js';
import { removePoolAddresses } from './controllers/addressAnnouncer.js';
import { cleanupProxyRules } from './proxy/proxyEngine.js';

/**
 * `--cleanup` (kube-proxy's CleanupLeftovers, for every mode at once): iptables chains and jumps,
 * nftables tables, the IPVS dummy interface and KUBE-* ipsets, and LoadBalancer addresses from the
 * configured pools on this host's interfaces. Returns what could not be removed.
 */
export async function cleanupLeftovers(config: AgentConfig, log: Logger): Promise<string[]> {
  const families: IPFamily[] = ['IPv4', 'IPv6'];
  const problems = await cleanupProxyRules(families, (cmd, args) => hostExec(cmd, args));
  if (config.loadbalancerPool.length) {
    const inPool = (ip: string) => {
      try {
        allocateLoadBalancerIP(config.loadbalancerPool, new Set(), ip);
        return true;
      } catch {
        return false;
      }
    };
    problems.push(...(await removePoolAddresses(hostExec, inPool)));
  }
  for (const p of problems) log.error({ step: p.split(':')[0] }, `cleanup: ${p}`);
  log.info({ problems: problems.length }, problems.length ? 'cleanup: done with problems' : 'cleanup: removed every rule, table, ipset and address the agent creates');
  return problems;
}
