import { SIMULATED_ANNOTATION, type Deployment, type Node, type ObjectMeta, type Pod, type StatefulSet, LABEL_ARCH, LABEL_HOSTNAME, LABEL_OS, type Random } from '@svcnet/model';

/**
 * Pure builders for the objects the simulator writes: what the ReplicaSet/StatefulSet controllers,
 * the scheduler and the kubelet would have produced together. No I/O, no clock: times and
 * randomness come in as arguments.
 */

export type Workload = (Deployment & { kind: 'Deployment' }) | (StatefulSet & { kind: 'StatefulSet' });

export interface PodPlacement {
  nodeName: string;
  hostIP: string;
  /** One address per configured pod CIDR family; empty while the node has no free address. */
  podIPs: string[];
}

/** A random RFC 4122 version-4 UUID drawn from `random`, so seeded runs give the same uids. */
export function randomUid(random: Random): string {
  const hex: string[] = [];
  for (let i = 0; i < 32; i++) hex.push(Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface PodIdentity {
  name: string;
  /** Labels the controller adds to the template's (pod-template-hash, or the StatefulSet labels). */
  extraLabels: Record<string, string>;
  owner: { apiVersion: string; kind: string; name: string; uid: string };
  generateName?: string;
  /** StatefulSet pods: spec.hostname and spec.subdomain (the governing Service), for DNS. */
  hostname?: string;
  subdomain?: string;
}

/**
 * The Pod as first written: scheduled, containers started, not yet Ready. uid and
 * creationTimestamp are left to the store, as the API server assigns them.
 */
export function buildPod(workload: Workload, id: PodIdentity, placement: PodPlacement, nowMs: number): Pod & { kind: 'Pod' } {
  const template = workload.spec?.template;
  const namespace = workload.metadata?.namespace ?? 'default';
  const meta: ObjectMeta = {
    name: id.name,
    namespace,
    labels: { ...(template?.metadata?.labels ?? {}), ...id.extraLabels },
    ownerReferences: [{ ...id.owner, controller: true, blockOwnerDeletion: true }],
  };
  // Marked: nothing runs behind its address (data planes send it no packets).
  meta.annotations = { ...(template?.metadata?.annotations ?? {}), [SIMULATED_ANNOTATION]: 'true' };
  if (id.generateName) meta.generateName = id.generateName;
  const spec = structuredClone(template?.spec ?? { containers: [] });
  spec.nodeName = placement.nodeName;
  if (id.hostname) spec.hostname = id.hostname;
  if (id.subdomain) spec.subdomain = id.subdomain;
  const pod: Pod & { kind: 'Pod' } = { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec, status: {} };
  return withStatus(pod, placement, false, nowMs, nowMs);
}

/** The pod's status for a readiness state, as the kubelet reports it. */
export function withStatus(
  pod: Pod & { kind: 'Pod' },
  placement: PodPlacement,
  ready: boolean,
  startedMs: number,
  transitionMs: number,
): Pod & { kind: 'Pod' } {
  const started = iso(startedMs);
  const changed = iso(transitionMs);
  const running = placement.podIPs.length > 0;
  const readyStatus = ready && running ? 'True' : 'False';
  const condition = (type: string, status: string, at: string) => ({ type, status, lastTransitionTime: at });
  const conditions = [
    condition('PodReadyToStartContainers', running ? 'True' : 'False', started),
    condition('Initialized', 'True', started),
    { ...condition('Ready', readyStatus, changed), ...(readyStatus === 'False' ? { reason: 'ContainersNotReady' } : {}) },
    { ...condition('ContainersReady', readyStatus, changed), ...(readyStatus === 'False' ? { reason: 'ContainersNotReady' } : {}) },
    condition('PodScheduled', 'True', started),
  ];
  const containers = pod.spec?.containers ?? [];
  return {
    ...pod,
    status: {
      phase: running ? 'Running' : 'Pending',
      conditions,
      hostIP: placement.hostIP,
      hostIPs: [{ ip: placement.hostIP }],
      ...(running ? { podIP: placement.podIPs[0], podIPs: placement.podIPs.map((ip) => ({ ip })) } : {}),
      startTime: started,
      qosClass: 'BestEffort',
      containerStatuses: containers.map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: '',
        ready: readyStatus === 'True',
        restartCount: 0,
        started: running,
        state: running ? { running: { startedAt: started } } : { waiting: { reason: 'ContainerCreating' } },
      })),
    },
  };
}

export interface SimulatedNode {
  name: string;
  address: string;
  podCIDRs: string[];
}

export function buildNode(node: SimulatedNode, nowMs: number): Node & { kind: 'Node' } {
  const at = iso(nowMs);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      labels: { [LABEL_HOSTNAME]: node.name, [LABEL_OS]: 'linux', [LABEL_ARCH]: 'amd64' },
      annotations: { [SIMULATED_ANNOTATION]: 'true' },
    },
    spec: { podCIDR: node.podCIDRs[0], podCIDRs: node.podCIDRs },
    status: {
      addresses: [
        { type: 'InternalIP', address: node.address },
        { type: 'Hostname', address: node.name },
      ],
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
          lastHeartbeatTime: at,
          lastTransitionTime: at,
        },
      ],
    },
  };
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
