import type { KubeObject, Service } from '@svcnet/model';
import { formatAge, objectKey, serviceEnvVars, isEndpointReady } from '@svcnet/model';
import { stringify } from 'yaml';
import { YAML_OUTPUT } from '../yamlOutput.js';
import type { Snapshot } from './clusterModel.js';
import { describeService } from '../describe.js';
import { endpointCounts } from './views.js';

/** Renders more about a service: proxy rules and DNS records come from @svcnet/proxy and @svcnet/dns. */
export interface DetailRenderers {
  rules?: (s: Snapshot, service: Service) => string[];
  dns?: (s: Snapshot, service: Service) => string[];
}

/** The object as `kubectl get -o yaml` shows it (managed fields are not kept). */
export function yamlLines(obj: KubeObject): string[] {
  return stringify(obj, { ...YAML_OUTPUT, lineWidth: 0 }).trimEnd().split('\n');
}

/** `kubectl describe service` with the events the dashboard saw for it. */
export function describeServiceIn(s: Snapshot, svc: Service): string[] {
  const key = objectKey(svc);
  const events = s.events
    .filter((e) => e.key === key && (e.kind === 'Service' || e.kind === 'EndpointSlice'))
    .slice(-10)
    .map((e) => `${formatAge(s.at - e.at).padEnd(8)}${e.type.padEnd(10)}${e.message}`);
  return describeService(svc, s.slicesByService.get(key) ?? [], events);
}

/** Ingress routes -> Service -> ports -> endpoints (readiness) -> rules per node -> DNS names. */
export function serviceTree(s: Snapshot, svc: Service, renderers: DetailRenderers): string[] {
  const key = objectKey(svc);
  const ns = svc.metadata?.namespace ?? 'default';
  const name = svc.metadata?.name ?? '';
  const lines: string[] = [];
  const routes = s.ingresses
    .filter((i) => (i.metadata?.namespace ?? 'default') === ns)
    .flatMap((i) => {
      const out: string[] = [];
      if (i.spec?.defaultBackend?.service?.name === name) out.push(`ingress ${i.metadata?.name}: default backend`);
      for (const r of i.spec?.rules ?? [])
        for (const p of r.http?.paths ?? [])
          if (p.backend.service?.name === name) out.push(`ingress ${i.metadata?.name}: ${r.host ?? '*'}${p.path ?? '/'} (${p.pathType})`);
      return out;
    });
  for (const r of routes) lines.push(r, '└─┐');
  const { ready, total } = endpointCounts(s.slicesByService.get(key));
  lines.push(`service ${key} (${svc.spec?.type ?? 'ClusterIP'} ${svc.spec?.clusterIP ?? ''}) endpoints ${ready}/${total} ready`);
  const slices = s.slicesByService.get(key) ?? [];
  const ports = svc.spec?.ports ?? [];
  ports.forEach((p, pi) => {
    const lastPort = pi === ports.length - 1;
    lines.push(`${lastPort ? '└─' : '├─'} port ${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol ?? 'TCP'} -> ${p.targetPort ?? p.port}${p.nodePort ? ` (nodePort ${p.nodePort})` : ''}`);
    const eps = slices.flatMap((sl) => {
      const sp = sl.ports?.find((x) => (x.name ?? '') === (p.name ?? ''));
      return (sl.endpoints ?? []).map((e) => ({ e, port: sp?.port }));
    });
    eps.forEach(({ e, port }, ei) => {
      const c = e.conditions ?? {};
      const state = isEndpointReady(e) ? 'ready' : c.terminating ? 'terminating' : c.serving ? 'serving' : 'not ready';
      lines.push(`${lastPort ? '   ' : '│  '}${ei === eps.length - 1 ? '└─' : '├─'} ${e.addresses?.[0]}:${port ?? '?'} ${state}${e.nodeName ? ` on ${e.nodeName}` : ''}${e.targetRef?.name ? ` (pod ${e.targetRef.name})` : ''}`);
    });
  });
  if (renderers.rules) {
    lines.push('rules:');
    for (const l of renderers.rules(s, svc).slice(0, 40)) lines.push(`  ${l}`);
  }
  if (renderers.dns) {
    lines.push('dns:');
    for (const l of renderers.dns(s, svc)) lines.push(`  ${l}`);
  }
  const env = serviceEnvVars([svc]);
  if (env.length) {
    lines.push(`env (containers of Pods in ${ns} created after it, as the kubelet sets them; svcnet env -n ${ns}):`);
    for (const v of env) lines.push(`  ${v.name}=${v.value ?? ''}`);
  }
  return lines;
}
