import type { HeartbeatStatus, NodeAgentStatus, NodeStatusRegistry } from '../types.js';
import type { RedisClient } from './connection.js';
import { nodeStatusKey } from './keys.js';
import type { StoreLogger } from './objectCodec.js';
import { HEARTBEAT } from './scripts.js';

/** Node agent heartbeats in one hash `{nodes}:status`: node -> JSON, lastSeen from the server clock. */
export class RedisNodeStatus implements NodeStatusRegistry {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    private readonly guard: <T>(p: Promise<T>) => Promise<T>,
    private readonly logger: StoreLogger,
    prefix = '',
  ) {
    this.key = nodeStatusKey(prefix);
  }

  async heartbeat(node: string, status: HeartbeatStatus = {}): Promise<NodeAgentStatus> {
    const rec = { ready: true, ...status, node };
    const text = JSON.stringify({ ...rec, lastSeen: 0 });
    const at = text.lastIndexOf('"lastSeen":0');
    const head = text.slice(0, at + '"lastSeen":'.length);
    const tail = text.slice(at + '"lastSeen":0'.length);
    const now = Number(await this.guard(this.redis.eval(HEARTBEAT, 1, this.key, node, head, tail)));
    return { ...rec, lastSeen: now };
  }

  async get(node: string): Promise<NodeAgentStatus | undefined> {
    const text = await this.guard(this.redis.hget(this.key, node));
    return text ? this.decode(node, text) : undefined;
  }

  async list(): Promise<NodeAgentStatus[]> {
    const all = await this.guard(this.redis.hgetall(this.key));
    return Object.entries(all)
      .map(([node, text]) => this.decode(node, text))
      .filter((s): s is NodeAgentStatus => s !== undefined)
      .sort((a, b) => a.node.localeCompare(b.node));
  }

  async remove(node: string): Promise<void> {
    await this.guard(this.redis.hdel(this.key, node));
  }

  private decode(node: string, text: string): NodeAgentStatus | undefined {
    try {
      const s = JSON.parse(text) as NodeAgentStatus;
      if (typeof s.lastSeen === 'number' && typeof s.ready === 'boolean') return { ...s, node };
    } catch {
      // fall through to the log line
    }
    this.logger.error({ node, key: this.key }, `store: skipping node status of "${node}": not a heartbeat record`);
    return undefined;
  }
}
