import { LABEL_POD_INDEX, LABEL_STATEFULSET_POD_NAME, type Random } from '@svcnet/model';
import type { PodIdentity, Workload } from './podFactory.js';
import { computeHash, randomString } from './podTemplateHash.js';
import { type SimPod, pickVictims } from './simPod.js';

/** Pods to create (in order) and to delete, as the ReplicaSet or StatefulSet controller would decide. */
export interface PodPlan {
  create: Array<{ id: PodIdentity; revision: string; ordinal?: number; replacing?: boolean }>;
  remove: SimPod[];
  /** Stop creating after the first failure (OrderedReady), counting the rest as not made. */
  ordered: boolean;
}

/**
 * A Deployment through its ReplicaSets, in one step: the current revision (pod-template-hash) is
 * scaled to `replicas`, removing unready and newest pods first; pods of older revisions go as
 * current ones turn Ready, so a rollout never drops every ready endpoint of a Service.
 */
export function planDeployment(w: Workload, uid: string, pods: readonly SimPod[], random: Random): PodPlan {
  const name = w.metadata!.name!;
  const replicas = w.spec?.replicas ?? 1;
  const hash = computeHash(w.spec?.template);
  const rsName = `${name}-${hash}`;
  const current = pods.filter((p) => p.revision === hash);
  const old = pods.filter((p) => p.revision !== hash);
  const taken = new Set(pods.map((p) => p.name));
  const create: PodPlan['create'] = [];
  for (let missing = replicas - current.length; missing > 0; missing--) {
    let podName = `${rsName}-${randomString(5, random)}`;
    for (let i = 0; i < 10 && taken.has(podName); i++) podName = `${rsName}-${randomString(5, random)}`;
    taken.add(podName);
    create.push({
      revision: hash,
      id: {
        name: podName,
        generateName: `${rsName}-`,
        extraLabels: { 'pod-template-hash': hash },
        owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: `${uid.slice(0, 24)}${hash.padEnd(12, '0').slice(0, 12)}` },
      },
    });
  }
  const remove = pickVictims(current, current.length - replicas);
  const readyCurrent = current.filter((p) => p.ready && !remove.includes(p)).length;
  remove.push(...pickVictims(old, old.length - Math.max(0, replicas - readyCurrent)));
  return { create, remove, ordered: false };
}

/**
 * A StatefulSet: pods `<name>-<ordinal>` with hostname and subdomain; scale-down from the highest
 * ordinal; OrderedReady creates one ordinal at a time, each after the previous is Ready (Parallel
 * creates all); a template change replaces pods from the highest ordinal, one at a time, once all
 * are Ready (the RollingUpdate strategy).
 */
export function planStatefulSet(w: Workload, uid: string, pods: ReadonlyMap<string, SimPod>): PodPlan {
  const name = w.metadata!.name!;
  const replicas = w.spec?.replicas ?? 1;
  const hash = computeHash(w.spec?.template);
  const spec = w.kind === 'StatefulSet' ? w.spec : undefined;
  const ordered = spec?.podManagementPolicy !== 'Parallel';
  const identity = (ordinal: number): PodIdentity => ({
    name: `${name}-${ordinal}`,
    hostname: `${name}-${ordinal}`,
    ...(spec?.serviceName ? { subdomain: spec.serviceName } : {}),
    extraLabels: {
      'controller-revision-hash': `${name}-${hash}`,
      [LABEL_STATEFULSET_POD_NAME]: `${name}-${ordinal}`,
      [LABEL_POD_INDEX]: String(ordinal),
    },
    owner: { apiVersion: 'apps/v1', kind: 'StatefulSet', name, uid },
  });
  const remove = [...pods.values()].filter((p) => (p.ordinal ?? 0) >= replicas).sort((a, b) => (b.ordinal ?? 0) - (a.ordinal ?? 0));
  const create: PodPlan['create'] = [];
  for (let i = 0; i < replicas; i++) {
    const p = pods.get(`${name}-${i}`);
    if (!p) {
      create.push({ id: identity(i), revision: hash, ordinal: i });
      if (ordered) break;
    } else if (ordered && !p.ready) break;
  }
  const staying = [...pods.values()].filter((p) => !remove.includes(p));
  if (create.length === 0 && staying.length === replicas && staying.every((p) => p.ready)) {
    const outdated = staying.filter((p) => p.revision !== hash).sort((a, b) => (b.ordinal ?? 0) - (a.ordinal ?? 0))[0];
    if (outdated) create.push({ id: identity(outdated.ordinal ?? 0), revision: hash, ordinal: outdated.ordinal ?? 0, replacing: true });
  }
  return { create, remove, ordered };
}
