import type { Node } from '@svcnet/model';
import { isStoreError, type Store } from '@svcnet/store';
import { LABEL_HOSTNAME } from '@svcnet/model';
import { AGENT_READY_MESSAGE, AGENT_READY_REASON } from './nodeLifecycle.js';

type Condition = NonNullable<NonNullable<Node['status']>['conditions']>[number];

/** The label every Node carries for its name (kubelet sets it at registration). */

/** As the kubelet's ReadyCondition setter words a node going down (reason KubeletNotReady). */
export const AGENT_NOT_READY_REASON = 'AgentNotReady';

export interface NodeRegistration {
  name: string;
  /** --node-ip (or the first address found): the Node's InternalIP addresses, as kubectl shows them. */
  nodeIPs: readonly string[];
  version: string;
}

/** The Node's status as this agent reports it (pure): addresses, the Ready condition, node info. */
export function agentNodeStatus(r: NodeRegistration, ready: { status: 'True' | 'False'; reason: string; message: string }, now: string): NonNullable<Node['status']> {
  const condition: Condition = { type: 'Ready', status: ready.status, reason: ready.reason, message: ready.message, lastHeartbeatTime: now, lastTransitionTime: now };
  return {
    addresses: [...r.nodeIPs.map((address) => ({ type: 'InternalIP', address })), { type: 'Hostname', address: r.name }],
    conditions: [condition],
    // The node agent's version where kubectl's VERSION column reads it (the kubelet's field).
    nodeInfo: { kubeletVersion: `svcnet-agent/${r.version}`, kubeProxyVersion: `svcnet-agent/${r.version}` } as NonNullable<Node['status']>['nodeInfo'],
  };
}

/**
 * Registers this agent's Node, as the kubelet registers its own: created when absent (metadata
 * only: spec.podCIDRs is the node IPAM controller's, here the workload simulator's, and an
 * existing spec is left alone), then its status through the status subresource. With a real
 * cluster (--kubeconfig) Nodes are the cluster's and this is never called.
 */
export async function registerNode(store: Store, r: NodeRegistration, now = new Date()): Promise<void> {
  await writeNodeStatus(store, r, { status: 'True', reason: AGENT_READY_REASON, message: AGENT_READY_MESSAGE }, now);
}

/**
 * On shutdown: Ready=False with what the agent is doing, as the kubelet's shutdown manager makes
 * its ReadyCondition say "node is shutting down" (reason KubeletNotReady). Silent nodes are later
 * marked Unknown by the lease holder's node lifecycle controller, whatever this said.
 */
export async function reportNodeStopped(store: Store, r: NodeRegistration, message: string, now = new Date()): Promise<void> {
  await writeNodeStatus(store, r, { status: 'False', reason: AGENT_NOT_READY_REASON, message }, now);
}

async function writeNodeStatus(store: Store, r: NodeRegistration, ready: Parameters<typeof agentNodeStatus>[1], now: Date): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      let cur = await store.get('Node', undefined, r.name);
      if (!cur) {
        try {
          cur = await store.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: r.name, labels: { [LABEL_HOSTNAME]: r.name } } });
        } catch (e) {
          if (isStoreError(e, 'AlreadyExists')) continue;
          throw e;
        }
      }
      const status = agentNodeStatus(r, ready, now.toISOString());
      // Other conditions (a real kubelet's, if one shares the name) are kept; only Ready is ours.
      const others = (cur.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
      await store.updateStatus({ ...cur, kind: 'Node', status: { ...cur.status, ...status, conditions: [...others, ...status.conditions!] } });
      return;
    } catch (e) {
      // Written meanwhile (the simulator recording the node's podCIDRs): read it again.
      if (!isStoreError(e, 'Conflict')) throw e;
    }
  }
}
