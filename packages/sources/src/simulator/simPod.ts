import type { Pod } from '@svcnet/model';
import type { TimerHandle } from '@svcnet/store';
import type { PodPlacement } from './podFactory.js';

/** The simulator's record of one pod it made. */
export interface SimPod {
  name: string;
  namespace: string;
  /** pod-template-hash (Deployment) or revision hash (StatefulSet) of the template it was made from. */
  revision: string;
  ordinal?: number;
  placement: PodPlacement;
  pod: Pod & { kind: 'Pod' };
  ready: boolean;
  startedMs: number;
  timer?: TimerHandle;
}

/**
 * Which `count` pods to remove when scaling down, in the ReplicaSet controller's order
 * (ActivePodsWithRanks, reduced to what the simulator models): not-Ready before Ready, then the
 * most recently started first.
 */
export function pickVictims(pods: readonly SimPod[], count: number): SimPod[] {
  if (count <= 0) return [];
  return [...pods]
    .sort((a, b) => Number(a.ready) - Number(b.ready) || b.startedMs - a.startedMs || (a.name < b.name ? 1 : -1))
    .slice(0, count);
}
