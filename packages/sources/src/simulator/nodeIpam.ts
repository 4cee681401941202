import { type CIDR, cidrAddress, cidrOffset, formatCIDR, formatIP, parseCIDR, parseIP } from '@svcnet/model';

/**
 * Pod addresses as the node IPAM controller and a bridge CNI hand them out: each node gets the i-th
 * subnet of the cluster CIDR (kube-controller-manager's --node-cidr-mask-size, /24 for IPv4 and /64
 * for IPv6 by default), and pods on it get addresses from .2 up (.0 is the network, .1 the bridge
 * gateway, the last IPv4 address the broadcast). One subnet per family: dual-stack pods get one
 * address from each, at the same offset.
 */
export class NodeIpam {
  readonly #clusterCIDRs: CIDR[];
  readonly #maskSizes: number[];
  readonly #nodes = new Map<string, NodeSubnets>();
  /** Subnet indexes in use (a node's, or one an earlier writer recorded on a Node: see reserve). */
  readonly #taken = new Set<number>();

  constructor(clusterCIDRs: readonly string[], maskSizes?: { ipv4?: number; ipv6?: number }) {
    if (clusterCIDRs.length === 0) throw new SimulatorConfigError('podCIDRs: Required value: at least one pod CIDR');
    this.#clusterCIDRs = clusterCIDRs.map((s) => {
      const c = parseCIDR(s);
      if (!c) throw new SimulatorConfigError(`podCIDRs: Invalid value: "${s}": must be a CIDR such as 10.244.0.0/16`);
      return c;
    });
    this.#maskSizes = this.#clusterCIDRs.map((c) => {
      const size = c.family === 'IPv4' ? (maskSizes?.ipv4 ?? 24) : (maskSizes?.ipv6 ?? 64);
      if (size < c.prefix || size > (c.family === 'IPv4' ? 30 : 126)) {
        throw new SimulatorConfigError(`node CIDR mask size /${size} does not fit in pod CIDR ${formatCIDR(c)}`);
      }
      return size;
    });
  }

  /** The node's subnets (allocated on first use: the first subnet no node holds); one per configured family. */
  node(name: string): NodeSubnets {
    let subnets = this.#nodes.get(name);
    if (!subnets) {
      let index = 0;
      while (this.#taken.has(index)) index++;
      subnets = this.#assign(name, index);
    }
    return subnets;
  }

  /** Every node with subnets, its own or reserved. */
  all(): IterableIterator<NodeSubnets> {
    return this.#nodes.values();
  }

  /**
   * Gives `name` the subnets a Node records in spec.podCIDRs (written by an earlier writer, as
   * the node IPAM controller writes them and reads them back on restart), so a new writer hands
   * out addresses where the old one left off instead of starting each node at subnet 0. False,
   * reserving nothing, when they are not this cluster CIDR's subnets of our size, or another node
   * holds that subnet already.
   */
  reserve(name: string, podCIDRs: readonly string[]): boolean {
    if (this.#nodes.has(name)) return false;
    const first = podCIDRs[0] === undefined ? undefined : parseCIDR(podCIDRs[0]);
    const c = this.#clusterCIDRs[0]!;
    if (!first || first.family !== c.family || first.prefix !== this.#maskSizes[0]) return false;
    const offset = cidrOffset(c, { family: first.family, value: first.base });
    if (offset === undefined) return false;
    const index = Number(offset >> BigInt((c.family === 'IPv4' ? 32 : 128) - this.#maskSizes[0]!));
    if (this.#taken.has(index)) return false;
    this.#assign(name, index);
    return true;
  }

  #assign(name: string, index: number): NodeSubnets {
    const cidrs = this.#clusterCIDRs.map((c, i) => {
      const hostBits = BigInt((c.family === 'IPv4' ? 32 : 128) - this.#maskSizes[i]!);
      const base = cidrAddress(c, BigInt(index) << hostBits);
      if (!base) throw new SimulatorConfigError(`pod CIDR ${formatCIDR(c)} has no subnet left for node "${name}" (node #${index + 1})`);
      return { family: c.family, base: base.value, prefix: this.#maskSizes[i]!, size: 1n << hostBits } satisfies CIDR;
    });
    const subnets = new NodeSubnets(cidrs);
    this.#taken.add(index);
    this.#nodes.set(name, subnets);
    return subnets;
  }
}

export class NodeSubnets {
  readonly #used = new Set<number>();
  #next = 2;
  /** Usable pod offsets per node: the smallest family's size minus network, gateway and broadcast. */
  readonly capacity: number;

  constructor(readonly cidrs: readonly CIDR[]) {
    const smallest = cidrs.reduce((m, c) => (c.size < m ? c.size : m), cidrs[0]!.size);
    this.capacity = Number(smallest > 1_000_000n ? 1_000_000n : smallest) - 3;
  }

  get podCIDRs(): string[] {
    return this.cidrs.map(formatCIDR);
  }

  get free(): number {
    return this.capacity - this.#used.size;
  }

  /** The next free addresses (one per family), or undefined when the node's subnet is full. */
  allocate(): string[] | undefined {
    if (this.free <= 0) return undefined;
    const limit = this.capacity + 2;
    // Next-fit, wrapping: released addresses are reused only after the rest, as host-local IPAM does.
    for (let i = 0; i < this.capacity; i++) {
      const offset = this.#next;
      this.#next = this.#next + 1 >= limit ? 2 : this.#next + 1;
      if (!this.#used.has(offset)) {
        this.#used.add(offset);
        return this.cidrs.map((c) => formatIP(cidrAddress(c, offset)!));
      }
    }
    return undefined;
  }

  /**
   * Reserves an address a Pod asked for (see requestedPodIPs), by its first address: 'outside'
   * when that lies outside this node's subnet (or on its network, gateway or broadcast address),
   * 'taken' when another Pod holds it.
   */
  claim(ips: readonly string[]): 'claimed' | 'outside' | 'taken' {
    const ip = ips[0] === undefined ? undefined : parseIP(ips[0]);
    const offset = ip ? cidrOffset(this.cidrs[0]!, ip) : undefined;
    if (offset === undefined || offset < 2n || offset >= BigInt(this.capacity + 2)) return 'outside';
    if (this.#used.has(Number(offset))) return 'taken';
    this.#used.add(Number(offset));
    return 'claimed';
  }

  release(ips: readonly string[]): void {
    const first = ips[0];
    if (first === undefined) return;
    const ip = parseIP(first);
    const offset = ip ? cidrOffset(this.cidrs[0]!, ip) : undefined;
    if (offset !== undefined) this.#used.delete(Number(offset));
  }
}

export class SimulatorConfigError extends Error {
  readonly code = 'SimulatorConfig';
  constructor(message: string) {
    super(`simulator: ${message}`);
    this.name = 'SimulatorConfigError';
  }
}
