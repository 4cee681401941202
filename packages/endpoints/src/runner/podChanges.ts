import type { Pod } from '@svcnet/model';
import { isPodReady } from '../core/podRules.js';

/**
 * podEndpointsChanged (k8s.io/endpointslice/util): whether a Pod update can change any Endpoints or
 * slice or which Services select the pod. We also count phase and nodeName, a safe superset.
 */
export function podChangeMatters(old: Pod, cur: Pod): boolean {
  const project = (p: Pod) =>
    JSON.stringify([
      p.metadata?.labels ?? {},
      p.metadata?.deletionTimestamp ?? null,
      isPodReady(p),
      p.status?.podIPs ?? [],
      p.status?.podIP ?? '',
      p.status?.phase ?? '',
      p.spec?.hostname ?? '',
      p.spec?.subdomain ?? '',
      p.spec?.nodeName ?? '',
      p.spec?.containers?.map((c) => c.ports ?? []) ?? [],
      p.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '',
    ]);
  return project(old) !== project(cur);
}
