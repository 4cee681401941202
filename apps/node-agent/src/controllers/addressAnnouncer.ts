import { networkInterfaces } from 'node:os';
import type { Exec } from '@svcnet/proxy';
import { ipFamily } from '@svcnet/model';

/** The interface that holds `ip`, as `ip addr` would show it. */
export function interfaceOf(ip: string): string | undefined {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (addrs?.some((a) => a.address === ip)) return name;
  }
  return undefined;
}

const hostBits = (ip: string) => (ipFamily(ip) === 'IPv6' ? '128' : '32');

/**
 * The mark on every address the agent adds: its `metric` (IFA_RT_PRIORITY, the priority of the
 * address's prefix route, which a host-length address on a node never competes on). Address
 * labels would say it more plainly but exist for IPv4 only, and iproute2 6.1 cannot set an
 * address `proto`; a metric works for both families and shows in `ip addr` ("metric 3915").
 * `--cleanup` removes host-length addresses that carry it, and nothing else
 * (docs/decisions/006-agent-address-mark.md).
 */
export const ANNOUNCED_ADDRESS_METRIC = 3915;

interface IpAddrJSON {
  ifname?: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number; metric?: number }[];
}

/** Host-length addresses with the agent's mark, from `ip -j addr show`: `{ address, device }`. */
export async function announcedAddresses(exec: Exec): Promise<{ address: string; device: string }[]> {
  const r = await exec('ip', ['-j', 'addr', 'show']);
  if (r.code !== 0) throw new Error(`ip -j addr show: ${r.stderr.trim()}`);
  const out: { address: string; device: string }[] = [];
  for (const link of JSON.parse(r.stdout || '[]') as IpAddrJSON[]) {
    for (const a of link.addr_info ?? []) {
      const full = a.family === 'inet6' ? 128 : 32;
      if (a.local && link.ifname && a.prefixlen === full && a.metric === ANNOUNCED_ADDRESS_METRIC) out.push({ address: a.local, device: link.ifname });
    }
  }
  return out;
}

/**
 * Holds LoadBalancer addresses on the node's interface (MetalLB's layer-2 idea: the elected node
 * owns the address, so the link's ARP/ND finds it). Each address it adds carries the agent's mark
 * (ANNOUNCED_ADDRESS_METRIC); an address already on the interface without the mark belongs to
 * someone else and is left alone. Only addresses it holds are removed again.
 */
export class AddressAnnouncer {
  private readonly held = new Set<string>();

  constructor(
    private readonly exec: Exec,
    private readonly device: string | undefined,
    private readonly log: { info(o: object, m: string): void; warn(o: object, m: string): void },
  ) {}

  get addresses(): string[] {
    return [...this.held].sort();
  }

  async announce(wanted: readonly string[]): Promise<void> {
    const want = new Set(wanted);
    for (const ip of [...this.held]) {
      if (want.has(ip)) continue;
      await this.run(['addr', 'del', `${ip}/${hostBits(ip)}`, 'dev', this.device ?? 'lo'], ip, 'released');
      this.held.delete(ip);
    }
    if (!this.device) {
      if (want.size) this.log.warn({ addresses: [...want] }, 'loadbalancer: no interface holds the node IP; give --node-ip so addresses can be announced');
      return;
    }
    for (const ip of want) {
      if (this.held.has(ip)) continue;
      const r = await this.exec('ip', ['addr', 'add', `${ip}/${hostBits(ip)}`, 'dev', this.device, 'metric', String(ANNOUNCED_ADDRESS_METRIC)]);
      if (r.code === 0 || (await this.isOurs(ip))) {
        // Added now, or still there from an earlier run of the agent (same mark).
        this.held.add(ip);
        this.log.info({ address: ip, device: this.device }, 'loadbalancer: announcing address');
      } else this.log.warn({ address: ip, device: this.device, err: r.stderr.trim() }, 'loadbalancer: could not add the address to the interface (one that is there already, not added by the agent, is left alone)');
    }
  }

  private async isOurs(ip: string): Promise<boolean> {
    try {
      return (await announcedAddresses(this.exec)).some((a) => a.address === ip && a.device === this.device);
    } catch {
      return false;
    }
  }

  private async run(args: string[], ip: string, what: string): Promise<void> {
    const r = await this.exec('ip', args);
    if (r.code === 0) this.log.info({ address: ip, device: this.device }, `loadbalancer: address ${what}`);
    else this.log.warn({ address: ip, err: r.stderr.trim() }, `loadbalancer: could not remove the address`);
  }
}

/**
 * `--cleanup`: the host-length addresses the agent added (those with its mark), on any interface.
 * Other addresses, inside the LoadBalancer pools or not, stay.
 */
export async function removeAnnouncedAddresses(exec: Exec): Promise<string[]> {
  const problems: string[] = [];
  let found: { address: string; device: string }[];
  try {
    found = await announcedAddresses(exec);
  } catch (e) {
    return [`addresses: ${(e as Error).message}`];
  }
  for (const { address, device } of found) {
    const r = await exec('ip', ['addr', 'del', `${address}/${hostBits(address)}`, 'dev', device]);
    if (r.code !== 0) problems.push(`address ${address} on ${device}: ${r.stderr.trim()}`);
  }
  return problems;
}
