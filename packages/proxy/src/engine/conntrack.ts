import type { ServicePortMap } from '../core/serviceChangeTracker.js';
import type { SyncChanges } from '../core/proxyState.js';
import type { IPFamily, Protocol } from '../core/types.js';
import type { Exec } from './exec.js';
import { hostExec } from './exec.js';

/** One `conntrack -D ...` invocation (arguments after the binary name). */
export type ConntrackCommand = readonly string[];

const proto = (p: Protocol) => p.toLowerCase();

/**
 * Upstream pkg/proxy/conntrack CleanStaleEntries as `conntrack` CLI calls (pure: what to delete).
 * - UDP ClusterIPs whose service port was deleted: every entry to that IP.
 * - UDP/SCTP service ports that gained their first serving endpoint: entries to the ClusterIP,
 *   external and load-balancer IPs and the NodePort (they were created while the service had no
 *   endpoint, carry no DNAT and would blackhole the flow).
 * - Serving UDP/SCTP endpoints that went away: entries DNATed to them from each service address
 *   and from the NodePort.
 */
export function conntrackCleanupCommands(family: IPFamily, services: ServicePortMap, changes: Pick<SyncChanges, 'deletedUDPClusterIPs' | 'staleEndpoints' | 'newlyActiveServices'>): ConntrackCommand[] {
  const fam = family === 'IPv6' ? ['-f', 'ipv6'] : [];
  const out: ConntrackCommand[] = [];
  const seen = new Set<string>();
  const add = (args: string[]) => {
    const k = args.join(' ');
    if (!seen.has(k)) {
      seen.add(k);
      out.push(['-D', ...fam, ...args]);
    }
  };
  for (const ip of changes.deletedUDPClusterIPs) add(['--orig-dst', ip, '-p', 'udp']);
  for (const key of changes.newlyActiveServices) {
    const svc = services.get(key);
    if (!svc) continue;
    const p = proto(svc.protocol);
    for (const ip of [svc.clusterIP, ...svc.externalIPs, ...svc.loadBalancerVIPs]) if (ip) add(['--orig-dst', ip, '-p', p]);
    if (svc.nodePort) add(['-p', p, '--dport', String(svc.nodePort)]);
  }
  for (const { servicePortKey, endpoint } of changes.staleEndpoints) {
    const svc = services.get(servicePortKey);
    if (!svc) continue;
    const p = proto(svc.protocol);
    if (svc.nodePort) add(['-p', p, '--dport', String(svc.nodePort), '--dst-nat', endpoint.ip]);
    for (const ip of [svc.clusterIP, ...svc.externalIPs, ...svc.loadBalancerVIPs]) if (ip) add(['--orig-dst', ip, '--dst-nat', endpoint.ip, '-p', p]);
  }
  return out;
}

export interface ConntrackCleanupResult {
  commands: number;
  /** Flow entries conntrack reported deleted. */
  deleted: number;
  /** Commands that failed (logged; never fail the sync). */
  errors: string[];
}

/** `conntrack -D` prints "N flow entries have been deleted." and exits 1 when N is 0. */
const DELETED = /(\d+) flow entr(?:y|ies) ha(?:s|ve) been deleted/;

/** Runs the cleanup commands with the `conntrack` tool through an Exec (so it works in a netns). */
export class ConntrackCleaner {
  private readonly exec: Exec;

  constructor(
    readonly family: IPFamily,
    opts: { exec?: Exec; bin?: string } = {},
  ) {
    this.exec = opts.exec ?? hostExec;
    this.bin = opts.bin ?? 'conntrack';
  }
  private readonly bin: string;

  async clean(services: ServicePortMap, changes: Pick<SyncChanges, 'deletedUDPClusterIPs' | 'staleEndpoints' | 'newlyActiveServices'>): Promise<ConntrackCleanupResult> {
    const commands = conntrackCleanupCommands(this.family, services, changes);
    const result: ConntrackCleanupResult = { commands: commands.length, deleted: 0, errors: [] };
    for (const args of commands) {
      const r = await this.exec(this.bin, args);
      const m = DELETED.exec(r.stderr + r.stdout);
      if (m) result.deleted += Number(m[1]);
      else if (r.code !== 0) result.errors.push(`${this.bin} ${args.join(' ')} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
    }
    return result;
  }
}
