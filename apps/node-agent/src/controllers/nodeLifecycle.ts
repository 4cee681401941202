import type { Node } from '@svcnet/model';
import { isStoreError, silentNodes, type LeaderElector, type NodeStatusStore, type Store } from '@svcnet/store';

type Condition = NonNullable<NonNullable<Node['status']>['conditions']>[number];

/** Upstream node lifecycle controller wording for a node whose agent went silent. */
export const SILENT_REASON = 'NodeStatusUnknown';
const SILENT_MESSAGE = 'svcnet-agent stopped posting node status.';
/** What a live agent's Ready condition says (the kubelet's KubeletReady / "kubelet is posting ready status"). */
export const AGENT_READY_REASON = 'AgentReady';
export const AGENT_READY_MESSAGE = 'svcnet-agent is posting ready status';

/** The Ready condition a Node should carry, or undefined when it already does (pure). */
export function readyCondition(node: Node, silent: boolean, now: string): Condition | undefined {
  const cur = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (silent) {
    if (cur && cur.status === 'Unknown' && cur.reason === SILENT_REASON) return undefined;
    return { type: 'Ready', status: 'Unknown', reason: SILENT_REASON, message: SILENT_MESSAGE, lastHeartbeatTime: cur?.lastHeartbeatTime, lastTransitionTime: now } as Condition;
  }
  // Only undo our own marking: a Ready condition written by a real kubelet is not ours to change.
  if (cur && cur.reason === SILENT_REASON) return { type: 'Ready', status: 'True', reason: AGENT_READY_REASON, message: AGENT_READY_MESSAGE, lastHeartbeatTime: now, lastTransitionTime: now } as Condition;
  return undefined;
}

/**
 * While leading: Nodes whose agent has not written a heartbeat within the grace period are marked
 * Ready=Unknown (as the node lifecycle controller does), and marked back when the agent returns.
 */
export async function markSilentNodes(store: Store & NodeStatusStore, elector: LeaderElector, graceMs: number, now = Date.now()): Promise<string[]> {
  const fence = elector.fence;
  if (!fence) return [];
  const statuses = await store.nodeStatus.list();
  const silent = new Set(silentNodes(statuses, now, graceMs).map((s) => s.node));
  const changed: string[] = [];
  for (const s of statuses) {
    const node = await store.get('Node', undefined, s.node);
    if (!node) continue;
    const cond = readyCondition(node, silent.has(s.node), new Date(now).toISOString());
    if (!cond) continue;
    const conditions = [...(node.status?.conditions ?? []).filter((c) => c.type !== 'Ready'), cond];
    try {
      await store.updateStatus({ ...node, kind: 'Node', status: { ...node.status, conditions } }, { fence });
      changed.push(s.node);
    } catch (e) {
      if (isStoreError(e, 'Fenced')) {
        elector.lose();
        break;
      }
      if (!isStoreError(e, 'Conflict')) throw e;
    }
  }
  return changed;
}
