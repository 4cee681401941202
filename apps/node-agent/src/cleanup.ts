import { hostExec, type Exec, type IPFamily } from '@svcnet/proxy';
import type { Logger } from 'pino';
import type { AgentConfig } from './config.js';
import { removeAnnouncedAddresses } from './controllers/addressAnnouncer.js';
import { cleanupProxyRules } from './proxy/proxyLeftovers.js';

/**
 * `--cleanup` (kube-proxy's CleanupLeftovers, for every mode at once): iptables chains and jumps,
 * the nftables `kube-proxy` tables, the IPVS dummy interface and IPVS ipsets (by their names), and
 * the LoadBalancer addresses the agent added (by the mark it puts on them). What the agent did not
 * create stays, even where it looks alike: other KUBE-* ipsets, other host-length addresses inside
 * the pools, a KUBE-FIREWALL chain that kubelet still jumps to. Returns what could not be removed.
 */
export async function cleanupLeftovers(_config: AgentConfig, log: Logger, exec: Exec = hostExec): Promise<string[]> {
  const families: IPFamily[] = ['IPv4', 'IPv6'];
  const problems = await cleanupProxyRules(families, exec);
  problems.push(...(await removeAnnouncedAddresses(exec)));
  for (const p of problems) log.error({ step: p.split(':')[0] }, `cleanup: ${p}`);
  log.info({ problems: problems.length }, problems.length ? 'cleanup: done with problems' : 'cleanup: removed every rule, table, ipset and address the agent creates');
  return problems;
}
