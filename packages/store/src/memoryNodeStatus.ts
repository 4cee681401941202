import type { Clock } from './clock.js';
import type { HeartbeatStatus, NodeAgentStatus, NodeStatusRegistry } from './types.js';

export class MemoryNodeStatus implements NodeStatusRegistry {
  private readonly nodes = new Map<string, NodeAgentStatus>();

  constructor(private readonly clock: Clock) {}

  async heartbeat(node: string, status: HeartbeatStatus = {}): Promise<NodeAgentStatus> {
    const rec: NodeAgentStatus = { ready: true, ...status, node, lastSeen: this.clock.now() };
    this.nodes.set(node, rec);
    return { ...rec };
  }

  async get(node: string): Promise<NodeAgentStatus | undefined> {
    const rec = this.nodes.get(node);
    return rec ? { ...rec } : undefined;
  }

  async list(): Promise<NodeAgentStatus[]> {
    return [...this.nodes.values()].map((r) => ({ ...r })).sort((a, b) => a.node.localeCompare(b.node));
  }

  async remove(node: string): Promise<void> {
    this.nodes.delete(node);
  }
}
