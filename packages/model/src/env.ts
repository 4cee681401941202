import type { EnvVar, Pod, Service } from 'kubernetes-types/core/v1.js';
import { joinHostPort } from './net/hostPort.js';

// Service environment variables as the kubelet injects them (pkg/kubelet/envvars/envvars.go,
// FromServices, and kubelet_pods.go getServiceEnvVarMap): the first discovery mechanism the Service
// documentation describes, before DNS.

/** upstream makeEnvVariableName: `-` to `_`, upper case (Service and port names are DNS labels, so nothing else needs escaping). */
export function envVariableName(name: string): string {
  return name.replaceAll('-', '_').toUpperCase();
}

/** upstream IsServiceIPSet: a ClusterIP that is neither empty nor "None". */
export function isServiceIPSet(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

/**
 * The variables for these Services, in the kubelet's order: `{SVC}_SERVICE_HOST`, `{SVC}_SERVICE_PORT`
 * (the first port), `{SVC}_SERVICE_PORT_{NAME}` for each named port, then the Docker-link variables
 * `{SVC}_PORT` and `{SVC}_PORT_{port}_{PROTO}[_PROTO|_PORT|_ADDR]`. Headless Services and those
 * without a ClusterIP (ExternalName) are skipped.
 */
export function serviceEnvVars(services: readonly Service[]): EnvVar[] {
  const out: EnvVar[] = [];
  for (const svc of services) {
    const ports = svc.spec?.ports ?? [];
    if (!isServiceIPSet(svc) || ports.length === 0) continue;
    const ip = svc.spec!.clusterIP!;
    const prefix = envVariableName(svc.metadata?.name ?? '');
    out.push({ name: `${prefix}_SERVICE_HOST`, value: ip });
    out.push({ name: `${prefix}_SERVICE_PORT`, value: String(ports[0]!.port) });
    for (const p of ports) if (p.name) out.push({ name: `${prefix}_SERVICE_PORT_${envVariableName(p.name)}`, value: String(p.port) });
    ports.forEach((p, i) => {
      const proto = (p.protocol || 'TCP').toLowerCase();
      const url = `${proto}://${joinHostPort(ip, p.port)}`;
      if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
      const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      out.push({ name: pp, value: url }, { name: `${pp}_PROTO`, value: proto }, { name: `${pp}_PORT`, value: String(p.port) }, { name: `${pp}_ADDR`, value: ip });
    });
  }
  return out;
}

/** serviceEnvVars as a map (a later Service's variable replaces an earlier one of the same name). */
export function serviceEnvironment(services: readonly Service[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of serviceEnvVars(services)) env[v.name] = v.value ?? '';
  return env;
}

/**
 * What a Pod's containers see, as getServiceEnvVarMap: the Services of the Pod's namespace (unless
 * spec.enableServiceLinks is false) plus the `kubernetes` Service of the default namespace, which is
 * always present and loses to a same-named Service in the Pod's own namespace.
 */
export function podServiceEnvironment(pod: Pod, services: readonly Service[]): Record<string, string> {
  const ns = pod.metadata?.namespace || 'default';
  const links = pod.spec?.enableServiceLinks !== false;
  const byName = new Map<string, Service>();
  for (const svc of services) {
    if (!isServiceIPSet(svc)) continue;
    const name = svc.metadata?.name ?? '';
    const svcNs = svc.metadata?.namespace || 'default';
    if (svcNs === 'default' && name === 'kubernetes') {
      if (!byName.has(name)) byName.set(name, svc);
    } else if (svcNs === ns && links) {
      byName.set(name, svc);
    }
  }
  return serviceEnvironment([...byName.values()]);
}
