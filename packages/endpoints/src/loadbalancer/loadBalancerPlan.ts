import { allocateLoadBalancerIP, objectKey, type Service, LOADBALANCER_CLASS } from '@svcnet/model';

type Ingress = NonNullable<NonNullable<NonNullable<Service['status']>['loadBalancer']>['ingress']>;

export interface LoadBalancerChange {
  key: string;
  /** The new `status.loadBalancer.ingress` ([] releases). */
  ingress: Ingress;
}

export interface LoadBalancerProblem {
  key: string;
  message: string;
}

const ipsOf = (svc: Service): string[] => (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));

function wantsAddress(svc: Service): boolean {
  if (svc.spec?.type !== 'LoadBalancer') return false;
  const cls = svc.spec.loadBalancerClass;
  return cls === undefined || cls === LOADBALANCER_CLASS;
}

/**
 * The bare-metal service controller (pure): LoadBalancer Services get one address from the pools
 * (spec.loadBalancerIP honoured when it lies in a pool), written to status.loadBalancer.ingress;
 * Services that stopped being LoadBalancers, or whose address is outside every pool now, lose
 * it. Addresses already assigned are kept, so re-planning is stable; the oldest claimant of a
 * duplicated address keeps it.
 */
export function planLoadBalancers(services: readonly Service[], pools: readonly string[]): { changes: LoadBalancerChange[]; problems: LoadBalancerProblem[] } {
  const changes: LoadBalancerChange[] = [];
  const problems: LoadBalancerProblem[] = [];
  const used = new Set<string>();
  const ordered = [...services].sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') || objectKey(a).localeCompare(objectKey(b)));
  const needs: Service[] = [];
  for (const svc of ordered) {
    const have = ipsOf(svc);
    if (!wantsAddress(svc)) {
      // Only addresses from our pools are ours to release (a cloud's, or a user's, are left alone).
      if (have.length && have.some((ip) => inPools(pools, ip))) changes.push({ key: objectKey(svc), ingress: [] });
      continue;
    }
    const requested = svc.spec?.loadBalancerIP || undefined;
    const keep = have.length === 1 && inPools(pools, have[0]!) && !used.has(have[0]!) && (!requested || requested === have[0]);
    if (keep) used.add(have[0]!);
    else needs.push(svc);
  }
  for (const svc of needs) {
    const key = objectKey(svc);
    try {
      const ip = allocateLoadBalancerIP(pools, used, svc.spec?.loadBalancerIP || undefined);
      used.add(ip);
      changes.push({ key, ingress: [{ ip, ipMode: 'VIP' }] });
    } catch (e) {
      problems.push({ key, message: `Service "${key}": status.loadBalancer.ingress: ${(e as Error).message}` });
      if (ipsOf(svc).length) changes.push({ key, ingress: [] });
    }
  }
  return { changes, problems };
}

function inPools(pools: readonly string[], ip: string): boolean {
  try {
    // A requested address in range is accepted when free: use the allocator as the range check.
    allocateLoadBalancerIP(pools, new Set(), ip);
    return true;
  } catch {
    return false;
  }
}

/** Every address a LoadBalancer Service holds from our pools (what an agent leading the controller announces). */
export function assignedAddresses(services: Iterable<Service>, pools: readonly string[]): string[] {
  const out = new Set<string>();
  for (const svc of services) if (wantsAddress(svc)) for (const ip of ipsOf(svc)) if (inPools(pools, ip)) out.add(ip);
  return [...out].sort();
}
