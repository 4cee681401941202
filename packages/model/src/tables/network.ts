import type { Endpoints, LoadBalancerStatus, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressLoadBalancerStatus } from 'kubernetes-types/networking/v1.js';
import { joinHostPort } from '../net/hostPort.js';

// Cell formatters of kubectl's printers (pkg/printers/internalversion/printers.go).

/** makePortString: `80/TCP`, `80:30080/TCP` with a nodePort, comma-joined; `<none>` without ports. */
export function formatServicePorts(svc: Service): string {
  const ports: ServicePort[] = svc.spec?.ports ?? [];
  const cells = ports.map((p) => {
    const proto = p.protocol || 'TCP';
    return p.nodePort ? `${p.port}:${p.nodePort}/${proto}` : `${p.port}/${proto}`;
  });
  return cells.length ? cells.join(',') : '<none>';
}

/** loadBalancerStatusStringer: ingress IPs or hostnames; cut to 13 characters + `...` past 16 unless wide. */
export function formatLoadBalancerStatus(status: LoadBalancerStatus | IngressLoadBalancerStatus | undefined, wide = false): string {
  const r = (status?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean).join(',');
  return !wide && r.length > 16 ? `${r.slice(0, 13)}...` : r;
}

/** getServiceExternalIP: externalIPs, the load balancer's addresses, `<pending>`, or the externalName. */
export function formatServiceExternalIP(svc: Service, wide = false): string {
  const spec = svc.spec ?? {};
  const externalIPs = spec.externalIPs ?? [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = formatLoadBalancerStatus(svc.status?.loadBalancer, wide);
      if (externalIPs.length) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** labels.FormatLabels: `k=v` sorted by key, comma-joined; `<none>` when empty. */
export function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${labels![k]}`).join(',') : '<none>';
}

function withMore(list: string[], more: boolean, count: number, max: number, empty: string): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - max} more...`;
  return ret || empty;
}

/**
 * formatEndpoints: the first three ready `ip:port` pairs (or bare IPs for port-less subsets) and
 * ` + N more...`; `<none>` without subsets. Not-ready addresses are not shown.
 */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addrs = ss.addresses ?? [];
    if (!ss.ports?.length) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          continue;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const port of ss.ports) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(a.ip, port.port));
      }
    }
  }
  return withMore(list, more, count, max, '');
}

/** formatDiscoveryPorts: port numbers (or names, or `*`), three at most; `<unset>` when none. */
export function formatEndpointSlicePorts(slice: EndpointSlice): string {
  const ports = slice.ports ?? [];
  const list = ports.slice(0, 3).map((p) => (p.port !== undefined && p.port !== null ? String(p.port) : p.name ?? '*'));
  return withMore(list, ports.length > 3, ports.length, 3, '<unset>');
}

/** formatDiscoveryEndpoints: addresses of every endpoint, three at most; `<unset>` when none. */
export function formatEndpointSliceEndpoints(slice: EndpointSlice): string {
  const all = (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []);
  return withMore(all.slice(0, 3), all.length > 3, all.length, 3, '<unset>');
}

/** formatHosts: rule hosts, three at most and ` + N more...`; `*` when no rule names a host. */
export function formatIngressHosts(ing: Ingress): string {
  const rules = ing.spec?.rules ?? [];
  const max = 3;
  const list: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (list.length === max) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  return more ? `${list.join(',')} + ${rules.length - max} more...` : list.join(',');
}

/** formatPorts of an Ingress: `80, 443` with TLS, else `80`. */
export function formatIngressPorts(ing: Ingress): string {
  return ing.spec?.tls?.length ? '80, 443' : '80';
}
