import { formatAge } from '@svcnet/model';
import { none, type TableView } from './tableView.js';

/** What svcnet-agent adds to its heartbeat beyond the store's typed fields (read defensively). */
interface AgentExtras {
  generation?: { desired?: number; applied?: number };
  proxyModeReason?: string;
  leader?: { endpoints?: boolean; loadbalancer?: boolean; manifests?: boolean };
  lastSyncError?: string;
}

export const nodesView: TableView = {
  id: 'nodes',
  title: 'Nodes and agents',
  columns: ['NAME', 'STATUS', 'INTERNAL-IP', 'AGENT', 'HEARTBEAT', 'PROXY-MODE', 'RULES', 'LEADER', 'MESSAGE'],
  rows(s) {
    const names = new Set([...s.nodes.map((n) => n.metadata?.name ?? ''), ...s.agents.map((a) => a.node)]);
    return [...names].sort().map((name) => {
      const n = s.nodes.find((x) => x.metadata?.name === name);
      const a = s.agents.find((x) => x.node === name);
      const extra = (a ?? {}) as AgentExtras;
      const ready = n?.status?.conditions?.find((c) => c.type === 'Ready');
      const status = ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : a ? (a.ready ? 'Ready' : 'NotReady') : 'Unknown';
      const beatAt = a ? a.lastSeen : ready?.lastHeartbeatTime ? Date.parse(ready.lastHeartbeatTime) : undefined;
      const gen = extra.generation;
      const behind = gen?.applied !== undefined && gen.desired !== undefined && gen.applied < gen.desired;
      const fault = status !== 'Ready' ? status : a && !a.ready ? 'agent not ready' : extra.lastSyncError ? 'sync failing' : undefined;
      const leader = [extra.leader?.endpoints && 'endpoints', extra.leader?.loadbalancer && 'loadbalancer', extra.leader?.manifests && 'manifests'].filter(Boolean).join(',');
      // A Node that is not Ready says why in its Ready condition (kubectl describe's message: the
      // agent's own "svcnet-agent stopped", or the node lifecycle controller's for a silent one);
      // the agent's last heartbeat would say "ready" for an agent that was killed.
      const message = status !== 'Ready' && ready?.message ? ready.message : (a?.message ?? '');
      return {
        key: name,
        object: n,
        fault,
        changedAt: s.changedAt.get(`Node/${name}`),
        cells: [
          name,
          status,
          n?.status?.addresses?.find((x) => x.type === 'InternalIP')?.address ?? none,
          a ? (a.agent ?? 'svcnet-agent') : none,
          beatAt === undefined ? none : `${formatAge(Math.max(0, s.at - beatAt))} ago`,
          a?.proxyMode ? `${a.proxyMode}${extra.proxyModeReason ? ' (fallback)' : ''}` : none,
          gen ? `${gen.applied ?? '?'}/${gen.desired ?? '?'}${behind ? ' behind' : ''}` : none,
          leader || '-',
          message,
        ],
      };
    });
  },
};
