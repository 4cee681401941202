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

/**
 * The jumps to KUBE-FIREWALL (upstream iptablesKubeletJumpChains, duplicates of kubelet's), made
 * only with localhost NodePorts, where its DROP of non-local sources to 127.0.0.0/8 is what keeps
 * route_localnet=1 from exposing the node's localhost-only services to its neighbours (issue
 * 90259). Kubelet's copies carry no comment; ours do, so cleanup removes only ours.
 */
export const LOCALNET_JUMP_CHAINS: readonly JumpChain[] = [
  { table: 'filter', dst: KUBE_FIREWALL, src: 'INPUT', comment: 'kubernetes localhost nodeports firewall', extra: [] },
  { table: 'filter', dst: KUBE_FIREWALL, src: 'OUTPUT', comment: 'kubernetes localhost nodeports firewall', extra: [] },
];

/** Upstream sysctlRouteLocalnet: lets packets to/from 127.0.0.0/8 be routed (localhost NodePorts). */
export const ROUTE_LOCALNET = 'net.ipv4.conf.all.route_localnet';

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

  /**
   * Upstream's EnsureChain + EnsureRule(Prepend) for each jump; done before every full sync.
   * `localnet`: also the KUBE-FIREWALL jumps from INPUT and OUTPUT (localhost NodePorts).
   */
  async ensureJumps(localnet = false): Promise<void> {
    for (const j of localnet ? [...JUMP_CHAINS, ...LOCALNET_JUMP_CHAINS] : JUMP_CHAINS) {
      const chainCheck = await this.exec(this.bin, ['-w', '-t', j.table, '-S', j.dst, '1']);
      if (chainCheck.code !== 0) await this.run(this.bin, ['-w', '-t', j.table, '-N', j.dst]);
      const rule = [...j.extra, '-m', 'comment', '--comment', j.comment, '-j', j.dst];
      const check = await this.exec(this.bin, ['-w', '-t', j.table, '-C', j.src, ...rule]);
      if (check.code !== 0) await this.run(this.bin, ['-w', '-t', j.table, '-I', j.src, '1', ...rule]);
    }
  }

  /** Upstream EnsureSysctl(route_localnet, 1): read it, write it only when it differs. */
  async ensureRouteLocalnet(): Promise<void> {
    const r = await this.exec('sysctl', ['-n', ROUTE_LOCALNET]);
    if (r.code === 0 && r.stdout.trim() === '1') return;
    await this.run('sysctl', ['-qw', `${ROUTE_LOCALNET}=1`]);
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

  /**
   * Upstream CleanupLeftovers: unlink our chains, then flush and delete them. KUBE-FIREWALL goes
   * only when nothing else jumps to it any more (kubelet makes the same chain, uncommented jumps
   * included); when our jumps to it were there and it goes, route_localnet, which we set for
   * localhost NodePorts, is turned off again so 127.0.0.0/8 is not left routable unguarded.
   */
  async cleanup(): Promise<void> {
    for (const j of JUMP_CHAINS) await this.deleteJump(j);
    let hadLocalnetJumps = false;
    for (const j of LOCALNET_JUMP_CHAINS) if (await this.deleteJump(j)) hadLocalnetJumps = true;
    const nat = (await this.exec(`${this.bin}-save`, ['-t', 'nat'])).stdout;
    const natChains = (parseIPTablesDump(nat).tables[0]?.chains ?? []).map((c) => c.name).filter((c) => isServiceChainName(c) || [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ].includes(c));
    const filter = (await this.exec(`${this.bin}-save`, ['-t', 'filter'])).stdout;
    const filterDump = parseIPTablesDump(filter).tables[0]?.chains ?? [];
    const presentFilter = new Set(filterDump.map((c) => c.name));
    const firewallInUse = filterDump.some((c) => c.name !== KUBE_FIREWALL && c.rules.some((r) => / -j KUBE-FIREWALL(\s|$)/.test(r)));
    const filterChains = [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL, ...(firewallInUse ? [] : [KUBE_FIREWALL])];
    const lines = ['*nat', ...natChains.map((c) => `:${c} - [0:0]`), ...natChains.map((c) => `-X ${c}`), 'COMMIT'];
    const f = filterChains.filter((c) => presentFilter.has(c));
    lines.push('*filter', ...f.map((c) => `:${c} - [0:0]`), ...f.map((c) => `-X ${c}`), 'COMMIT', '');
    await this.run(`${this.bin}-restore`, ['-w', '--noflush'], lines.join('\n'));
    for (const table of CANARY_TABLES) {
      await this.exec(this.bin, ['-w', '-t', table, '-F', CANARY_CHAIN]);
      await this.exec(this.bin, ['-w', '-t', table, '-X', CANARY_CHAIN]);
    }
    if (hadLocalnetJumps && !firewallInUse && this.family === 'IPv4') await this.run('sysctl', ['-qw', `${ROUTE_LOCALNET}=0`]);
  }

  /** Deletes one jump rule; true when it was there. */
  private async deleteJump(j: JumpChain): Promise<boolean> {
    const r = await this.exec(this.bin, ['-w', '-t', j.table, '-D', j.src, ...j.extra, '-m', 'comment', '--comment', j.comment, '-j', j.dst]);
    return r.code === 0;
  }
}
