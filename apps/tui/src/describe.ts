import type { EndpointSlice, KubeObject, Service } from '@svcnet/model';
import { stringify } from 'yaml';
import { YAML_OUTPUT } from './yamlOutput.js';
import { isEndpointReady } from '@svcnet/model';
import { externalIPs } from './dashboard/views.js';

/** `kubectl describe service` layout. */
export function describeService(svc: Service, slices: readonly EndpointSlice[], events: readonly string[] = []): string[] {
  const spec = svc.spec ?? {};
  const kv = (m: Record<string, string> | undefined) => (m && Object.keys(m).length ? Object.entries(m).map(([k, v]) => `${k}=${v}`) : ['<none>']);
  const lines: string[] = [];
  const field = (name: string, value: string) => lines.push(`${`${name}:`.padEnd(26)}${value}`);
  field('Name', svc.metadata?.name ?? '');
  field('Namespace', svc.metadata?.namespace ?? 'default');
  const labels = kv(svc.metadata?.labels);
  field('Labels', labels[0] ?? '');
  for (const l of labels.slice(1)) lines.push(' '.repeat(26) + l);
  const annotations = kv(svc.metadata?.annotations);
  field('Annotations', annotations[0] ?? '');
  for (const a of annotations.slice(1)) lines.push(' '.repeat(26) + a);
  field('Selector', spec.selector ? kv(spec.selector).join(',') : '<none>');
  field('Type', spec.type ?? 'ClusterIP');
  if (spec.ipFamilyPolicy) field('IP Family Policy', spec.ipFamilyPolicy);
  if (spec.ipFamilies) field('IP Families', spec.ipFamilies.join(','));
  if (spec.type === 'ExternalName') field('External Name', spec.externalName ?? '');
  else {
    field('IP', spec.clusterIP ?? '<none>');
    if (spec.clusterIPs) field('IPs', spec.clusterIPs.join(','));
  }
  if (spec.externalIPs?.length) field('External IPs', spec.externalIPs.join(','));
  if (spec.type === 'LoadBalancer') field('LoadBalancer Ingress', externalIPs(svc));
  for (const p of spec.ports ?? []) {
    const name = p.name || '<unset>';
    field('Port', `${name}  ${p.port}/${p.protocol ?? 'TCP'}`);
    field('TargetPort', `${p.targetPort ?? p.port}/${p.protocol ?? 'TCP'}`);
    if (p.nodePort) field('NodePort', `${name}  ${p.nodePort}/${p.protocol ?? 'TCP'}`);
    const addrs = slices
      .filter((sl) => (sl.ports ?? []).some((sp) => (sp.name ?? '') === (p.name ?? '')))
      .flatMap((sl) => (sl.endpoints ?? []).filter(isEndpointReady).map((e) => `${e.addresses?.[0]}:${sl.ports?.find((sp) => (sp.name ?? '') === (p.name ?? ''))?.port}`));
    field('Endpoints', addrs.length ? addrs.slice(0, 3).join(',') + (addrs.length > 3 ? ` + ${addrs.length - 3} more...` : '') : '<none>');
  }
  field('Session Affinity', spec.sessionAffinity ?? 'None');
  if (spec.externalTrafficPolicy) field('External Traffic Policy', spec.externalTrafficPolicy);
  if (spec.internalTrafficPolicy) field('Internal Traffic Policy', spec.internalTrafficPolicy);
  if (spec.healthCheckNodePort) field('HealthCheck NodePort', String(spec.healthCheckNodePort));
  field('Events', events.length ? '' : '<none>');
  for (const e of events) lines.push(`  ${e}`);
  return lines;
}


/** `kubectl describe` for any kind: the Service layout, or the object's fields as YAML for others. */
export function describeObject(obj: KubeObject, slices: readonly EndpointSlice[] = []): string[] {
  if ((obj as { kind?: string }).kind === 'Service') return describeService(obj as Service, slices);
  return stringify(obj, { ...YAML_OUTPUT, lineWidth: 0 }).trimEnd().split('\n');
}
