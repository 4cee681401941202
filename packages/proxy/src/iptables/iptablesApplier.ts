import type { Exec } from '../engine/exec.js';
import { CommandError, hostExec } from '../engine/exec.js';
import type { IPFamily } from '../core/types.js';
import { isServiceChainName } from './chainNames.js';
import { parseIPTablesDump } from './iptablesDump.js';
import { KUBE_EXTERNAL_SERVICES, KUBE_FIREWALL, KUBE_FORWARD, KUBE_MARK_MASQ, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_PROXY_FIREWALL, KUBE_SERVICES } from './iptablesRenderer.js';

interface JumpChain {
  table: 'filter' | 'nat';
  dst: string;
  src: string;
  comment: string;
  extra: string[];
}

const NEW = ['-m', 'conntrack', '--ctstate', 'NEW'];
/** Upstream iptablesJumpChains: how the built-in chains reach ours. */
export const JUMP_CHAINS: readonly JumpChain[] = [
  { table: 'filter', dst: KUBE_EXTERNAL_SERVICES, src: 'INPUT', comment: 'kubernetes externally-visible service portals', extra: NEW },
  { table: 'filter', dst: KUBE_EXTERNAL_SERVICES, src: 'FORWARD', comment: 'kubernetes externally-visible service portals', extra: NEW },
  { table: 'filter', dst: KUBE_NODEPORTS, src: 'INPUT', comment: 'kubernetes health check service ports', extra: [] },
  { table: 'filter', dst: KUBE_SERVICES, src: 'FORWARD', comment: 'kubernetes service portals', extra: NEW },
  { table: 'filter', dst: KUBE_SERVICES, src: 'OUTPUT', comment: 'kubernetes service portals', extra: NEW },
  { table: 'filter', dst: KUBE_FORWARD, src: 'FORWARD', comment: 'kubernetes forwarding rules', extra: [] },
  { table: 'filter', dst: KUBE_PROXY_FIREWALL, src: 'INPUT', comment: 'kubernetes load balancer firewall', extra: NEW },
  { table: 'filter', dst: KUBE_PROXY_FIREWALL, src: 'OUTPUT', comment: 'kubernetes load balancer firewall', extra: NEW },
  { table: 'filter', dst: KUBE_PROXY_FIREWALL, src: 'FORWARD', comment: 'kubernetes load balancer firewall', extra: NEW },
  { table: 'nat', dst: KUBE_SERVICES, src: 'OUTPUT', comment: 'kubernetes service portals', extra: [] },
  { table: 'nat', dst: KUBE_SERVICES, src: 'PREROUTING', comment: 'kubernetes service portals', extra: [] },
  { table: 'nat', dst: KUBE_POSTROUTING, src: 'POSTROUTING', comment: 'kubernetes postrouting rules', extra: [] },
];

/** Upstream kubeProxyCanaryChain, created in these tables (utiliptables Monitor). */
export const CANARY_CHAIN = 'KUBE-PROXY-CANARY';
export const CANARY_TABLES = ['mangle', 'nat', 'filter'] as const;
/**
 * Upstream's canary is an empty chain, which only `-X` (or a firewall reload) removes. Ours also
 * holds one inert rule, so a flush (`iptables -t nat -F`) is noticed too.
 */
const CANARY_RULE = ['-m', 'comment', '--comment', 'kube-proxy canary', '-j', 'RETURN'];

/**
 * The shell of the iptables mode: runs `iptables-restore --noflush` (or ip6tables-restore) with
 * rendered text, keeps the jump rules from the built-in chains in place, and removes everything
 * it owns on cleanup. It never touches chains it does not own.
 */
export class IPTablesApplier {
  private readonly exec: Exec;
  private readonly bin: string;

  constructor(readonly family: IPFamily, opts: { exec?: Exec } = {}) {
    this.exec = opts.exec ?? hostExec;
    this.bin = family === 'IPv6' ? 'ip6tables' : 'iptables';
  }

  private async run(cmd: string, args: string[], input?: string): Promise<string> {
    const r = await this.exec(cmd, args, input);
    if (r.code !== 0) throw new CommandError(`${cmd} ${args.join(' ')}`, r);
    return r.stdout;
  }

  /** Upstream's EnsureChain + EnsureRule(Prepend) for each jump; done before every full sync. */
  async ensureJumps(): Promise<void> {
    for (const j of JUMP_CHAINS) {
      const chainCheck = await this.exec(this.bin, ['-w', '-t', j.table, '-S', j.dst, '1']);
      if (chainCheck.code !== 0) await this.run(this.bin, ['-w', '-t', j.table, '-N', j.dst]);
      const rule = [...j.extra, '-m', 'comment', '--comment', j.comment, '-j', j.dst];
      const check = await this.exec(this.bin, ['-w', '-t', j.table, '-C', j.src, ...rule]);
      if (check.code !== 0) await this.run(this.bin, ['-w', '-t', j.table, '-I', j.src, '1', ...rule]);
    }
  }

  /** Creates the canary chains (and their rule) where missing; done with every full sync. */
  async ensureCanaries(): Promise<void> {
    for (const table of CANARY_TABLES) {
      const r = await this.exec(this.bin, ['-w', '-t', table, '-S', CANARY_CHAIN]);
      if (r.code !== 0) await this.run(this.bin, ['-w', '-t', table, '-N', CANARY_CHAIN]);
      if (r.code !== 0 || !r.stdout.includes(`-A ${CANARY_CHAIN}`)) await this.run(this.bin, ['-w', '-t', table, '-A', CANARY_CHAIN, ...CANARY_RULE]);
    }
  }

  /** `table/KUBE-PROXY-CANARY` for each table whose canary chain is gone or flushed. */
  async missingCanaries(): Promise<string[]> {
    const missing: string[] = [];
    for (const table of CANARY_TABLES) {
      const r = await this.exec(this.bin, ['-w', '-t', table, '-S', CANARY_CHAIN]);
      if (r.code !== 0) missing.push(`${table}/${CANARY_CHAIN} deleted`);
      else if (!r.stdout.includes(`-A ${CANARY_CHAIN}`)) missing.push(`${table}/${CANARY_CHAIN} flushed`);
    }
    return missing;
  }

  /** Loads rendered rules; throws CommandError (with iptables-restore's message) on failure. */
  async restore(text: string): Promise<void> {
    await this.run(`${this.bin}-restore`, ['-w', '--noflush'], text);
  }

  /** Service chains present in the nat table now (for stale-chain cleanup after a restart). */
  async existingServiceChains(): Promise<string[]> {
    const out = await this.run(`${this.bin}-save`, ['-t', 'nat']);
    const nat = parseIPTablesDump(out).tables.find((t) => t.name === 'nat');
    return (nat?.chains ?? []).map((c) => c.name).filter(isServiceChainName);
  }

  /** Upstream CleanupLeftovers: unlink our chains, then flush and delete them. */
  async cleanup(): Promise<void> {
    for (const j of JUMP_CHAINS) {
      await this.exec(this.bin, ['-w', '-t', j.table, '-D', j.src, ...j.extra, '-m', 'comment', '--comment', j.comment, '-j', j.dst]);
    }
    const nat = (await this.exec(`${this.bin}-save`, ['-t', 'nat'])).stdout;
    const natChains = (parseIPTablesDump(nat).tables[0]?.chains ?? []).map((c) => c.name).filter((c) => isServiceChainName(c) || [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ].includes(c));
    const filterChains = [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL, KUBE_FIREWALL];
    const filter = (await this.exec(`${this.bin}-save`, ['-t', 'filter'])).stdout;
    const presentFilter = new Set((parseIPTablesDump(filter).tables[0]?.chains ?? []).map((c) => c.name));
    const lines = ['*nat', ...natChains.map((c) => `:${c} - [0:0]`), ...natChains.map((c) => `-X ${c}`), 'COMMIT'];
    const f = filterChains.filter((c) => presentFilter.has(c));
    lines.push('*filter', ...f.map((c) => `:${c} - [0:0]`), ...f.map((c) => `-X ${c}`), 'COMMIT', '');
    await this.run(`${this.bin}-restore`, ['-w', '--noflush'], lines.join('\n'));
    for (const table of CANARY_TABLES) {
      await this.exec(this.bin, ['-w', '-t', table, '-F', CANARY_CHAIN]);
      await this.exec(this.bin, ['-w', '-t', table, '-X', CANARY_CHAIN]);
    }
  }
}
