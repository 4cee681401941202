import { networkInterfaces } from 'node:os';
import type { Exec } from '@svcnet/proxy';

/** The interface that holds `ip`, as `ip addr` would show it. */
export function interfaceOf(ip: string): string | undefined {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (addrs?.some((a) => a.address === ip)) return name;
  }
  return undefined;
}

const hostBits = (ip: string) => (ip.includes(':') ? '128' : '32');

/**
 * Holds LoadBalancer addresses on the node's interface (MetalLB's layer-2 idea: the elected node
 * owns the address, so the link's ARP/ND finds it). Only addresses it added are removed again.
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
      const r = await this.exec('ip', ['addr', 'replace', `${ip}/${hostBits(ip)}`, 'dev', this.device]);
      if (r.code === 0) {
        this.held.add(ip);
        this.log.info({ address: ip, device: this.device }, 'loadbalancer: announcing address');
      } else this.log.warn({ address: ip, device: this.device, err: r.stderr.trim() }, 'loadbalancer: could not add the address to the interface');
    }
  }

  private async run(args: string[], ip: string, what: string): Promise<void> {
    const r = await this.exec('ip', args);
    if (r.code === 0) this.log.info({ address: ip, device: this.device }, `loadbalancer: address ${what}`);
    else this.log.warn({ address: ip, err: r.stderr.trim() }, `loadbalancer: could not remove the address`);
  }
}

/** `--cleanup`: host-length addresses inside the pools, on any interface. */
export async function removePoolAddresses(exec: Exec, inPool: (ip: string) => boolean): Promise<string[]> {
  const problems: string[] = [];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    for (const a of addrs ?? []) {
      const full = a.family === 'IPv6' ? 128 : 32;
      const bits = a.cidr ? Number(a.cidr.split('/')[1]) : -1;
      if (bits !== full || !inPool(a.address)) continue;
      const r = await exec('ip', ['addr', 'del', `${a.address}/${full}`, 'dev', name]);
      if (r.code !== 0) problems.push(`address ${a.address} on ${name}: ${r.stderr.trim()}`);
    }
  }
  return problems;
}
