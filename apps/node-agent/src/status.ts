import type { IPFamily, InvalidObject, ServingProblem } from '@svcnet/proxy';
import type { HeartbeatStatus, WithheldEndpoints } from '@svcnet/store';
import type { AppliedGeneration, Revisions } from './proxy/generationTracker.js';
import type { ProxyEngine } from './proxy/proxyEngine.js';

/** The agent's status object: served on /status and written (flattened) with each heartbeat. */
export interface AgentStatus {
  node: string;
  version: string;
  ready: boolean;
  /** Shutting down (SIGTERM): the last heartbeats say so instead of "starting". */
  stopping?: boolean;
  startedAt: string;
  store: string;
  source?: unknown;
  proxy: {
    requestedMode: string;
    mode: string;
    /** Why `mode` is not the requested one (e.g. no IPVS in the kernel). */
    reason?: string;
    generation: { desired: number; applied: number };
    revisions: { desired: Revisions; applied: Revisions };
    /** Epoch ms when the applied generation became current on every family. */
    appliedAt?: number;
    lastSyncAt?: string;
    lastSyncError?: string;
    syncs: number;
    failures: number;
    healthy: boolean;
    /**
     * Services and EndpointSlices the proxy skips because a value of theirs cannot go into rules
     * (kind, key, reason, message, families); at most MAX_LISTED_INVALID_OBJECTS, sorted.
     */
    invalidObjects: (InvalidObject & { families: IPFamily[] })[];
    /** How many are skipped in all (the list above may be cut short). */
    invalidObjectsTotal: number;
    /**
     * Addresses the proxy does not serve as asked (userspace mode): skipped as another machine's,
     * served on another port, or failing (those make /healthz fail); at most MAX_LISTED_INVALID_OBJECTS.
     */
    servingProblems?: ServingProblem[];
  };
  /** Leases held; `manifests` only on an agent given -f (the writer of the manifests and simulated Pods). */
  leader: { endpoints: boolean; loadbalancer: boolean; manifests?: boolean };
  dns: string[];
  ingress: string[];
  loadBalancer: { pools: string[]; announced: string[] };
  /**
   * Endpoints the proxy and the ingress router leave out: of simulated Pods (nothing behind their
   * addresses) and naming Pods the store does not hold (until it does).
   */
  withheldEndpoints?: WithheldEndpoints;
  /** With --simulate-backends: this node's simulated Pods backed here, and their echo servers. */
  simulatedBackends?: { pods: number; servers: number };
  /** Recent applied generations with their times (only with `?history=1`). */
  history?: AppliedGeneration[];
}

/** The /status list of skipped objects is cut here: a flood of bad objects must not flood it. */
export const MAX_LISTED_INVALID_OBJECTS = 100;

export function buildStatus(o: {
  node: string; version: string; ready: boolean; stopping?: boolean; store: string; source: unknown; proxy: ProxyEngine;
  leader: AgentStatus['leader']; dns?: string[]; ingress?: string[]; announced: string[]; pools: string[]; startedAt: number;
  withheld?: WithheldEndpoints;
  simulatedBackends?: { pods: number; servers: number };
}): AgentStatus {
  const statuses = o.proxy.statuses();
  const t = o.proxy.tracker;
  const lastSync = Math.min(...statuses.map((s) => s.lastSyncAt ?? 0));
  const lastError = statuses.map((s) => s.lastError).find((e) => e);
  const invalid = o.proxy.invalidObjects();
  const serving = statuses.flatMap((s) => s.servingProblems ?? []);
  return {
    node: o.node,
    version: o.version,
    ready: o.ready,
    ...(o.stopping ? { stopping: true } : {}),
    startedAt: new Date(o.startedAt).toISOString(),
    store: o.store,
    ...(o.source !== undefined ? { source: o.source } : {}),
    proxy: {
      requestedMode: o.proxy.mode.requested,
      mode: o.proxy.mode.mode,
      ...(o.proxy.mode.reason ? { reason: o.proxy.mode.reason } : {}),
      generation: { desired: t.desired, applied: t.applied.generation },
      revisions: { desired: { ...t.desiredRevisions }, applied: { ...t.applied.revisions } },
      ...(t.applied.at ? { appliedAt: t.applied.at } : {}),
      ...(statuses.length && lastSync > 0 ? { lastSyncAt: new Date(lastSync).toISOString() } : {}),
      ...(lastError ? { lastSyncError: lastError } : {}),
      syncs: statuses.reduce((n, s) => n + s.syncs, 0),
      failures: statuses.reduce((n, s) => n + s.failures, 0),
      healthy: o.proxy.healthy(),
      invalidObjects: invalid.slice(0, MAX_LISTED_INVALID_OBJECTS),
      invalidObjectsTotal: invalid.length,
      ...(serving.length ? { servingProblems: serving.slice(0, MAX_LISTED_INVALID_OBJECTS) } : {}),
    },
    leader: o.leader,
    dns: o.dns ?? [],
    ingress: o.ingress ?? [],
    loadBalancer: { pools: o.pools, announced: o.announced },
    ...(o.withheld ? { withheldEndpoints: o.withheld } : {}),
    ...(o.simulatedBackends ? { simulatedBackends: o.simulatedBackends } : {}),
  };
}

/**
 * The heartbeat record: the store's fields (ready, agent, proxyMode, message) plus the status facts
 * the dashboard shows. NodeAgentStatus is free-form beyond its typed fields; both stores keep them.
 */
export interface AgentHeartbeat extends HeartbeatStatus {
  version: string;
  requestedProxyMode: string;
  proxyModeReason?: string;
  generation: { desired: number; applied: number };
  lastSyncAt?: string;
  lastSyncError?: string;
  dns: string[];
  ingress: string[];
  leader: AgentStatus['leader'];
  /** Objects the proxy skips (details on /status). */
  invalidObjects: number;
}

export function heartbeatOf(s: AgentStatus): HeartbeatStatus {
  const hb: AgentHeartbeat = {
    ready: s.ready,
    agent: `svcnet-agent/${s.version}`,
    proxyMode: s.proxy.mode,
    message: s.stopping ? 'stopped' : (s.proxy.lastSyncError ?? s.proxy.reason ?? (s.ready ? 'ready' : 'starting')),
    version: s.version,
    requestedProxyMode: s.proxy.requestedMode,
    ...(s.proxy.reason ? { proxyModeReason: s.proxy.reason } : {}),
    generation: s.proxy.generation,
    ...(s.proxy.lastSyncAt ? { lastSyncAt: s.proxy.lastSyncAt } : {}),
    ...(s.proxy.lastSyncError ? { lastSyncError: s.proxy.lastSyncError } : {}),
    dns: s.dns,
    ingress: s.ingress,
    leader: s.leader,
    invalidObjects: s.proxy.invalidObjectsTotal,
  };
  return hb;
}
