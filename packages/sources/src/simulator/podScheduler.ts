import { canonicalIP, cidrAddress, formatIP, parseCIDR } from '@svcnet/model';
import { NodeIpam, SimulatorConfigError } from './nodeIpam.js';
import type { PodPlacement, SimulatedNode } from './podFactory.js';

export interface PodSchedulerOptions {
  nodes?: ReadonlyArray<string | { name: string; address?: string }>;
  nodeAddressCIDR?: string;
  podCIDRs?: readonly string[];
  nodeCIDRMaskSize?: { ipv4?: number; ipv6?: number };
  /** Nodes an earlier writer gave subnets (their Node's spec.podCIDRs): reserved before ours are picked. */
  recordedSubnets?: ReadonlyArray<{ name: string; podCIDRs: readonly string[] }>;
}

/**
 * The simulator's scheduler and node IPAM together: the simulated nodes (an address each), pods
 * spread over them round-robin (skipping nodes whose pod subnet is full), and pod addresses
 * handed out and taken back per node.
 */
export class PodScheduler {
  readonly nodes: readonly SimulatedNode[];
  readonly #ipam: NodeIpam;
  /** Requested addresses outside every node subnet, held by a Pod (canonical text). */
  readonly #outside = new Set<string>();
  #next = 0;

  constructor(options: PodSchedulerOptions) {
    this.#ipam = new NodeIpam(options.podCIDRs ?? ['10.244.0.0/16'], options.nodeCIDRMaskSize);
    const addressCIDR = parseCIDR(options.nodeAddressCIDR ?? '172.18.0.0/16');
    if (!addressCIDR) throw new SimulatorConfigError(`nodeAddressCIDR: Invalid value: "${options.nodeAddressCIDR}": must be a CIDR`);
    for (const r of options.recordedSubnets ?? []) this.#ipam.reserve(r.name, r.podCIDRs);
    const specs = (options.nodes ?? ['node-1', 'node-2']).map((n) => (typeof n === 'string' ? { name: n } : n));
    if (specs.length === 0) throw new SimulatorConfigError('nodes: Required value: at least one node name');
    this.nodes = specs.map((n, i) => {
      const address = n.address ?? cidrAddress(addressCIDR, i + 2);
      if (!address) throw new SimulatorConfigError(`nodeAddressCIDR ${options.nodeAddressCIDR} has no address for node #${i + 1}`);
      return { name: n.name, address: typeof address === 'string' ? address : formatIP(address), podCIDRs: this.#ipam.node(n.name).podCIDRs };
    });
  }

  /** The next node with a free address, round-robin; undefined when every subnet is full. */
  place(): PodPlacement | undefined {
    const n = this.nodes.length;
    for (let k = 0; k < n; k++) {
      const node = this.nodes[(this.#next + k) % n]!;
      const podIPs = this.#ipam.node(node.name).allocate();
      if (podIPs) {
        this.#next = (this.#next + k + 1) % n;
        return { nodeName: node.name, hostIP: node.address, podIPs };
      }
    }
    return undefined;
  }

  /** A place on the named node (a Pod with spec.nodeName); undefined for an unknown or full node. */
  placeOn(nodeName: string): PodPlacement | undefined {
    const node = this.nodes.find((n) => n.name === nodeName);
    const podIPs = node && this.#ipam.node(node.name).allocate();
    return node && podIPs ? { nodeName: node.name, hostIP: node.address, podIPs } : undefined;
  }

  /**
   * A place for a Pod that names its addresses (requestedPodIPs): on the named node, else the next
   * one round-robin; an address inside a simulated node's subnet is reserved there so no other Pod
   * gets it. Undefined for an unknown node or an address another Pod holds.
   */
  placeWith(podIPs: string[], nodeName?: string): PodPlacement | undefined {
    const node = nodeName ? this.nodes.find((n) => n.name === nodeName) : this.nodes[this.#next];
    if (!node) return undefined;
    if (!this.#claim(podIPs)) return undefined;
    if (!nodeName) this.#next = (this.#next + 1) % this.nodes.length;
    return { nodeName: node.name, hostIP: node.address, podIPs };
  }

  /**
   * Takes back a placement an earlier writer made (a Pod found in the store on takeover), on
   * whatever node it names, even one this scheduler does not place on: its addresses are reserved
   * so that no new Pod gets them. False when another Pod here holds them already.
   */
  adopt(placement: PodPlacement): boolean {
    return placement.podIPs.length === 0 || this.#claim(placement.podIPs);
  }

  /** Reserves a requested address in the node subnet holding it, else among those held outside every subnet. */
  #claim(podIPs: readonly string[]): boolean {
    for (const subnets of this.#ipam.all()) {
      const claimed = subnets.claim(podIPs);
      if (claimed !== 'outside') return claimed === 'claimed';
    }
    const key = canonicalIP(podIPs[0] ?? '') ?? '';
    if (this.#outside.has(key)) return false;
    this.#outside.add(key);
    return true;
  }

  release(placement: PodPlacement): void {
    // A requested address may lie in another node's subnet, or in none (placeWith): free it where it is.
    for (const subnets of this.#ipam.all()) subnets.release(placement.podIPs);
    this.#outside.delete(canonicalIP(placement.podIPs[0] ?? '') ?? '');
  }
}
