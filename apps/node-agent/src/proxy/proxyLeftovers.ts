import { IPTablesApplier, IPVS_IPSETS, KUBE_IPVS_DUMMY, NFT_TABLE, NFTablesApplier, type Exec, type IPFamily } from '@svcnet/proxy';
import type { ProxyModeSetting } from '../config.js';

/**
 * The ipsets of `ipset list -n` output that IPVS mode owns: upstream's fixed names (IPVS_IPSETS),
 * never other sets that merely start with KUBE- (another component's, or an operator's).
 */
export function ownedIpsets(listOutput: string): string[] {
  const ours = new Set(IPVS_IPSETS.map(([name]) => name));
  return listOutput.split('\n').map((l) => l.trim()).filter((name) => ours.has(name));
}

/** What a mode leaves in the kernel, as upstream's per-mode CleanupLeftovers remove it. */
export type LeftoverKind = 'iptables' | 'nftables' | 'ipvs';

/**
 * The leftovers a mode starting now removes, as kube-proxy's platformCleanup at start-up: nftables
 * mode removes the iptables and IPVS modes' rules; iptables mode (and ipvs, which runs as iptables
 * here) removes the nftables tables. The userspace engine programs no kernel rules and needs no
 * root, and `none` leaves the kernel to whoever owns it: neither touches anything.
 */
export function leftoversOfOtherModes(mode: ProxyModeSetting): LeftoverKind[] {
  if (mode === 'nftables') return ['iptables', 'ipvs'];
  if (mode === 'iptables' || mode === 'ipvs') return ['nftables'];
  return [];
}

/**
 * Removes the given kinds of leftovers (all three: `--cleanup`, as kube-proxy's CleanupLeftovers):
 * iptables chains and jumps, the nftables tables, the IPVS dummy interface and the IPVS ipsets by
 * name. A tool that is not installed means nothing of that kind to remove. Errors of one step do
 * not stop the others; returns them.
 */
export async function cleanupProxyRules(families: readonly IPFamily[], run: Exec, kinds: readonly LeftoverKind[] = ['iptables', 'nftables', 'ipvs']): Promise<string[]> {
  const problems: string[] = [];
  const step = async (what: string, f: () => Promise<void>) => {
    try {
      await f();
    } catch (e) {
      problems.push(`${what}: ${(e as Error).message}`);
    }
  };
  const has = async (bin: string) => (await run('sh', ['-c', `command -v ${bin}`])).code === 0;
  for (const family of families) {
    if (kinds.includes('iptables') && (await has(family === 'IPv6' ? 'ip6tables-restore' : 'iptables-restore'))) {
      await step(`iptables (${family})`, () => new IPTablesApplier(family, { exec: run }).cleanup());
    }
    if (kinds.includes('nftables') && (await has('nft'))) {
      const fam = family === 'IPv6' ? 'ip6' : 'ip';
      if ((await run('nft', ['list', 'tables', fam])).stdout.split('\n').some((l) => l.trim() === `table ${fam} ${NFT_TABLE}`)) {
        await step(`nftables (${family})`, () => new NFTablesApplier(family, { exec: run }).cleanup());
      }
    }
  }
  if (!kinds.includes('ipvs')) return problems;
  if ((await run('ip', ['link', 'show', KUBE_IPVS_DUMMY])).code === 0) {
    const r = await run('ip', ['link', 'del', KUBE_IPVS_DUMMY]);
    if (r.code !== 0) problems.push(`interface ${KUBE_IPVS_DUMMY}: ${r.stderr.trim()}`);
  }
  if (await has('ipset')) {
    const list = await run('ipset', ['list', '-n']);
    for (const name of list.code === 0 ? ownedIpsets(list.stdout) : []) {
      const r = await run('ipset', ['destroy', name]);
      if (r.code !== 0) problems.push(`ipset ${name}: ${r.stderr.trim()}`);
    }
  }
  return problems;
}
