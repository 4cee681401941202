import type { NodeAgentStatus } from './types.js';

/**
 * Nodes whose agent has been silent longer than `graceMs` (as the node lifecycle controller's
 * `--node-monitor-grace-period`, default 40 s): the leader marks these NotReady.
 */
export function silentNodes(statuses: readonly NodeAgentStatus[], now: number, graceMs = 40_000): NodeAgentStatus[] {
  return statuses.filter((s) => now - s.lastSeen > graceMs);
}
