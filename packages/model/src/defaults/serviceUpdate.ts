// What the API server does to a Service update before validating it: patchAllocatedValues (re-applying
// the same manifest keeps the allocated clusterIP and node ports), NormalizeClusterIPs, keeping the
// families of the old object, and the strategy's dropTypeDependentFields.
import type { Service } from 'kubernetes-types/core/v1.js';
import { externallyAccessible, needsClusterIP, needsHealthCheck, needsNodePort } from './serviceNeeds.js';
import { normalizeClusterIPs } from './service.js';

const sameList = (a: readonly unknown[] | undefined, b: readonly unknown[] | undefined) =>
  (a ?? []).length === (b ?? []).length && (a ?? []).every((x, i) => x === b?.[i]);

function patchAllocatedValues(svc: Service, old: Service): void {
  const s = (svc.spec ??= {});
  const o = old.spec ?? {};
  if (needsClusterIP(old) && needsClusterIP(svc)) {
    if (!s.clusterIP && o.clusterIP) s.clusterIP = o.clusterIP;
    if ((s.clusterIPs ?? []).length === 0 && (o.clusterIPs ?? []).length > 0) s.clusterIPs = [...o.clusterIPs!];
  }
  if (needsNodePort(old) && needsNodePort(svc)) {
    const used = (x: Service) => new Set((x.spec?.ports ?? []).map((p) => p.nodePort).filter((n): n is number => !!n));
    const newUsed = used(svc);
    const taken = new Set([...used(old)].filter((n) => newUsed.has(n)));
    const byName = new Map((o.ports ?? []).map((p) => [p.name ?? '', p.nodePort ?? 0]));
    for (const p of s.ports ?? []) {
      if (p.nodePort) continue;
      const prev = byName.get(p.name ?? '') ?? 0;
      if (prev && !taken.has(prev)) p.nodePort = prev;
    }
  }
  if (needsHealthCheck(old) && needsHealthCheck(svc) && !s.healthCheckNodePort && o.healthCheckNodePort) {
    s.healthCheckNodePort = o.healthCheckNodePort;
  }
}

function keepFamilies(svc: Service, old: Service): void {
  const s = (svc.spec ??= {});
  const o = old.spec ?? {};
  if (!needsClusterIP(old) || !needsClusterIP(svc)) return;
  const headless = (x: Service) => x.spec?.clusterIP === 'None';
  if (headless(old) !== headless(svc)) return;
  if ((s.ipFamilies ?? []).length === 0 && (o.ipFamilies ?? []).length > 0) s.ipFamilies = [...o.ipFamilies!];
  if (!s.ipFamilyPolicy && o.ipFamilyPolicy) s.ipFamilyPolicy = o.ipFamilyPolicy;
}

function dropTypeDependentFields(svc: Service, old: Service): void {
  const s = (svc.spec ??= {});
  const o = old.spec ?? {};
  if (needsClusterIP(old) && !needsClusterIP(svc)) {
    if ((s.clusterIP ?? '') === (o.clusterIP ?? '') && sameList(s.clusterIPs, o.clusterIPs)) {
      delete s.clusterIP;
      delete s.clusterIPs;
    }
    if (sameList(s.ipFamilies, o.ipFamilies)) delete s.ipFamilies;
    if (s.ipFamilyPolicy === o.ipFamilyPolicy) delete s.ipFamilyPolicy;
  }
  const nodePorts = (x: Service) => (x.spec?.ports ?? []).map((p) => p.nodePort ?? 0);
  if (needsNodePort(old) && !needsNodePort(svc) && sameList(nodePorts(old), nodePorts(svc))) {
    for (const p of s.ports ?? []) delete p.nodePort;
  }
  if (needsHealthCheck(old) && !needsHealthCheck(svc) && (s.healthCheckNodePort ?? 0) === (o.healthCheckNodePort ?? 0)) {
    delete s.healthCheckNodePort;
  }
  if (o.type === 'LoadBalancer' && s.type !== 'LoadBalancer') {
    if (s.allocateLoadBalancerNodePorts != null && s.allocateLoadBalancerNodePorts === o.allocateLoadBalancerNodePorts) {
      delete s.allocateLoadBalancerNodePorts;
    }
    if ((s.loadBalancerClass ?? null) === (o.loadBalancerClass ?? null)) delete s.loadBalancerClass;
  }
  if (externallyAccessible(old) && !externallyAccessible(svc) && s.externalTrafficPolicy === o.externalTrafficPolicy) {
    delete s.externalTrafficPolicy;
  }
  if (s.type !== 'LoadBalancer' && svc.status?.loadBalancer) svc.status.loadBalancer = {};
}

/** Mutates `svc` (an update of `old`, already defaulted) the way the API server does before validation. */
export function prepareServiceUpdate(svc: Service, old: Service): void {
  patchAllocatedValues(svc, old);
  normalizeClusterIPs(svc, old);
  keepFamilies(svc, old);
  dropTypeDependentFields(svc, old);
}
