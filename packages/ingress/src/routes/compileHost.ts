import type { Ingress, IngressBackend } from '@svcnet/model';
import { matchTypeOf, prefixKey } from './paths.js';
import type { BackendRef, HostRoutes, Route, RouteConflict } from './routeTypes.js';

export function ingressKey(ingress: Ingress): string {
  return `${ingress.metadata?.namespace ?? 'default'}/${ingress.metadata?.name ?? ''}`;
}

/**
 * The order in which Ingresses claim hosts and paths, as ingress-nginx's sortIngressSlice: older
 * creationTimestamp first; on equal timestamps the greater `namespace/name` first.
 */
export function ingressOrder(a: Ingress, b: Ingress): number {
  const ta = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  const ka = ingressKey(a);
  const kb = ingressKey(b);
  return ka > kb ? -1 : ka < kb ? 1 : 0;
}

/** The pre-v1 backend shape (extensions/v1beta1, networking.k8s.io/v1beta1), still seen in manifests. */
interface LegacyBackend {
  serviceName?: string;
  servicePort?: number | string;
}

/** The Service port a backend names; undefined for resource backends (not served: 503). */
export function backendRef(namespace: string, backend: IngressBackend | undefined): BackendRef | undefined {
  if (!backend) return undefined;
  const svc = backend.service;
  if (svc?.name) {
    const port = svc.port?.number ?? svc.port?.name;
    if (port === undefined || port === '') return undefined;
    return { namespace, service: svc.name, port };
  }
  const legacy = backend as LegacyBackend;
  if (legacy.serviceName && legacy.servicePort !== undefined) {
    const p = legacy.servicePort;
    const port = typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : p;
    return { namespace, service: legacy.serviceName, port };
  }
  return undefined;
}

export function ruleHost(host: string | undefined): string {
  return (host ?? '').toLowerCase();
}

/** Every host an Ingress's rules touch ('' for rules without host). */
export function hostsOf(ingress: Ingress): Set<string> {
  const hosts = new Set<string>();
  for (const rule of ingress.spec?.rules ?? []) hosts.add(ruleHost(rule.host));
  return hosts;
}

/** An Ingress with a defaultBackend and no rules: it configures the catch-all server's fallback. */
export function isCatchAllDefault(ingress: Ingress): boolean {
  return !!ingress.spec?.defaultBackend && (ingress.spec.rules?.length ?? 0) === 0;
}

function defaultRoute(ingress: Ingress): Route | undefined {
  const backend = ingress.spec?.defaultBackend;
  if (!backend) return undefined;
  const ns = ingress.metadata?.namespace ?? 'default';
  return { path: '/', pathType: 'Prefix', match: 'Prefix', backend: backendRef(ns, backend), ingress: ingressKey(ingress) };
}

/**
 * Compiles one host ('' = catch-all) from the Ingresses that touch it, already in ingressOrder.
 * Within the host, the first Ingress to claim a (path, match type) keeps it; later claims are
 * reported as conflicts. Pure: same inputs, same output.
 */
export function compileHost(host: string, ordered: readonly Ingress[]): { routes: HostRoutes; conflicts: RouteConflict[] } {
  const exact = new Map<string, Route>();
  const prefix = new Map<string, Route>();
  const conflicts: RouteConflict[] = [];
  let fallback: Route | undefined;
  let fallbackSet = false;
  for (const ing of ordered) {
    const ns = ing.metadata?.namespace ?? 'default';
    const key = ingressKey(ing);
    if (host === '') {
      if (!fallbackSet && isCatchAllDefault(ing)) {
        fallback = defaultRoute(ing);
        fallbackSet = true;
      }
    }
    for (const rule of ing.spec?.rules ?? []) {
      if (ruleHost(rule.host) !== host) continue;
      // ingress-nginx: the first Ingress to define a host creates its server, with that Ingress's
      // defaultBackend (if any) as the root location.
      if (host !== '' && !fallbackSet) {
        fallback = defaultRoute(ing);
        fallbackSet = true;
      }
      for (const p of rule.http?.paths ?? []) {
        const pathType = p.pathType ?? 'ImplementationSpecific';
        const path = p.path || '/';
        const match = matchTypeOf(pathType);
        const table = match === 'Exact' ? exact : prefix;
        const k = match === 'Exact' ? path : prefixKey(path);
        const existing = table.get(k);
        if (existing) {
          conflicts.push({ host, path: k, match, winner: existing.ingress, loser: key });
          continue;
        }
        table.set(k, { path, pathType, match, backend: backendRef(ns, p.backend), ingress: key });
      }
    }
  }
  return { routes: { host, exact, prefix, fallback }, conflicts };
}
