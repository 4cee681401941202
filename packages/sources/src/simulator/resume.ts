import type { Node, Pod } from '@svcnet/model';

type OwnerReference = NonNullable<NonNullable<Pod['metadata']>['ownerReferences']>[number];
import { type Fence, type Store, isStoreError } from '@svcnet/store';
import { LABEL_POD_INDEX } from '@svcnet/model';
import { isPodReady, type PodPlacement, type SimulatedNode, type Workload } from './podFactory.js';
import type { SimPod } from './simPod.js';

/**
 * Taking over from an earlier simulator (one writer at a time under a lease, the next one picks up
 * where the last stopped): what it left in the store is read back as the controllers it stands for
 * read their state back on restart. The node IPAM controller reads Nodes' spec.podCIDRs; the
 * ReplicaSet and StatefulSet controllers adopt the Pods whose controller reference names them.
 */

/** A Pod found in the store, placed (a node and addresses), not yet claimed. */
export interface FoundPod {
  key: string;
  pod: Pod & { kind: 'Pod' };
  placement: PodPlacement;
  startedMs: number;
  /** Its controller when that is a ReplicaSet or StatefulSet (what the simulator stands for). */
  owner?: OwnerReference;
}

/** Nodes' recorded subnets (spec.podCIDRs, or the older single spec.podCIDR). */
export function recordedSubnets(nodes: readonly Node[]): { name: string; podCIDRs: string[] }[] {
  return nodes.flatMap((n) => {
    const cidrs = n.spec?.podCIDRs?.length ? n.spec.podCIDRs : n.spec?.podCIDR ? [n.spec.podCIDR] : [];
    return n.metadata?.name && cidrs.length ? [{ name: n.metadata.name, podCIDRs: cidrs }] : [];
  });
}

/** Pods with a node and addresses, in the store's order, with their controller if it is one the simulator runs. */
export function findPlacedPods(pods: readonly Pod[], nowMs: number): FoundPod[] {
  const out: FoundPod[] = [];
  for (const pod of pods) {
    const nodeName = pod.spec?.nodeName;
    const podIPs = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => !!ip);
    if (!nodeName || podIPs.length === 0) continue;
    const owner = pod.metadata?.ownerReferences?.find((o) => o.controller && (o.kind === 'ReplicaSet' || o.kind === 'StatefulSet'));
    const started = pod.status?.startTime ? Date.parse(pod.status.startTime) : NaN;
    out.push({
      key: `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`,
      pod: { ...pod, kind: 'Pod' },
      placement: { nodeName, hostIP: pod.status?.hostIP ?? '', podIPs },
      startedMs: Number.isFinite(started) ? started : nowMs,
      ...(owner ? { owner } : {}),
    });
  }
  return out;
}

/**
 * Takes out of `found` the Pods `workload` controls, as SimPods: a Deployment's through a
 * ReplicaSet named `<deployment>-<pod-template-hash>` (its revision is that hash), a StatefulSet's
 * by its name (revision and ordinal from the labels the StatefulSet controller sets).
 */
export function claimFoundPods(found: Map<string, FoundPod>, workload: Workload, nowMs: number): { pod: SimPod; ownerUid: string }[] {
  const name = workload.metadata?.name ?? '';
  const namespace = workload.metadata?.namespace ?? 'default';
  const out: { pod: SimPod; ownerUid: string }[] = [];
  for (const [key, f] of found) {
    const o = f.owner;
    const podName = f.pod.metadata?.name ?? '';
    if (!o || (f.pod.metadata?.namespace ?? 'default') !== namespace) continue;
    const labels = f.pod.metadata?.labels ?? {};
    let revision: string | undefined;
    let ordinal: number | undefined;
    if (workload.kind === 'Deployment' && o.kind === 'ReplicaSet' && o.name === `${name}-${labels['pod-template-hash']}`) {
      revision = labels['pod-template-hash'];
    } else if (workload.kind === 'StatefulSet' && o.kind === 'StatefulSet' && o.name === name) {
      revision = labels['controller-revision-hash']?.slice(name.length + 1);
      ordinal = Number(labels[LABEL_POD_INDEX] ?? podName.slice(name.length + 1));
      if (!Number.isInteger(ordinal)) continue;
    }
    if (revision === undefined) continue;
    found.delete(key);
    out.push({
      ownerUid: o.uid,
      pod: { name: podName, namespace, revision, ...(ordinal !== undefined ? { ordinal } : {}), placement: f.placement, pod: f.pod, ready: isPodReady(f.pod), startedMs: Math.min(f.startedMs, nowMs) },
    });
  }
  return out;
}

/**
 * Records a node's subnets on its Node (spec.podCIDR, spec.podCIDRs), as the node IPAM controller
 * does, leaving the rest of the Node (its status, written by whoever registered it) alone; creates
 * a bare Node when none is registered yet.
 */
export async function registerPodCIDRs(store: Store, node: SimulatedNode, fence: Fence | undefined): Promise<void> {
  const opts = fence ? { fence } : {};
  const spec = { podCIDR: node.podCIDRs[0], podCIDRs: node.podCIDRs };
  for (let attempt = 0; attempt < 5; attempt++) {
    const cur = await store.get('Node', undefined, node.name);
    try {
      if (!cur) await store.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: node.name }, spec }, opts);
      else if ((cur.spec?.podCIDRs ?? []).join(',') !== node.podCIDRs.join(',')) await store.update({ ...cur, kind: 'Node', spec: { ...cur.spec, ...spec } }, opts);
      return;
    } catch (e) {
      // The Node's registrant wrote meanwhile: read it again.
      if (!isStoreError(e, 'Conflict') && !isStoreError(e, 'AlreadyExists')) throw e;
    }
  }
}
