import type { Pod } from '@svcnet/model';
import { isPodReady } from '../core/podRules.js';
import { sameLabels } from '../view/selectorIndex.js';

/**
 * podEndpointsChanged (k8s.io/endpointslice/util): whether a Pod update can change any Endpoints or
 * slice or which Services select the pod. We also count phase and nodeName, a safe superset.
 * Compared field by field (no JSON texts): this runs on every Pod event.
 */
export function podChangeMatters(old: Pod, cur: Pod): boolean {
  const om = old.metadata;
  const cm = cur.metadata;
  const os = old.spec;
  const cs = cur.spec;
  const ost = old.status;
  const cst = cur.status;
  return !(
    sameLabels(om?.labels, cm?.labels) &&
    (om?.deletionTimestamp ?? null) === (cm?.deletionTimestamp ?? null) &&
    isPodReady(old) === isPodReady(cur) &&
    readyTransition(old) === readyTransition(cur) &&
    sameList(ost?.podIPs, cst?.podIPs, (a, b) => a.ip === b.ip) &&
    (ost?.podIP ?? '') === (cst?.podIP ?? '') &&
    (ost?.phase ?? '') === (cst?.phase ?? '') &&
    (os?.hostname ?? '') === (cs?.hostname ?? '') &&
    (os?.subdomain ?? '') === (cs?.subdomain ?? '') &&
    (os?.nodeName ?? '') === (cs?.nodeName ?? '') &&
    sameList(os?.containers, cs?.containers, (a, b) =>
      sameList(a.ports, b.ports, (x, y) =>
        x.containerPort === y.containerPort && x.name === y.name && x.protocol === y.protocol && x.hostPort === y.hostPort && x.hostIP === y.hostIP,
      ),
    )
  );
}

function readyTransition(p: Pod): string {
  return p.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '';
}

/** Lists equal element-wise; an absent list equals an empty one. */
function sameList<T>(a: readonly T[] | undefined, b: readonly T[] | undefined, eq: (x: T, y: T) => boolean): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (!eq(x[i]!, y[i]!)) return false;
  return true;
}
