import type { KubeObject } from '@svcnet/model';

/**
 * Shape checks for objects as read from a store. A store can hold objects written around
 * validation (raw Redis, a buggy client): the view checks the fields it dereferences and skips an
 * object whose shape it cannot use, instead of throwing later inside a request or a timer.
 * Each check returns the first problem (`field: what is wrong`) or undefined.
 */

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPort = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535;

/** `field` must be an array of objects when present; `each` checks one element. */
function arrayOf(value: unknown, field: string, each: (item: Record<string, unknown>, at: string) => string | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) return `${field}: must be an array, got ${typeof value}`;
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    const at = `${field}[${i}]`;
    if (!isObject(item)) return `${at}: must be an object`;
    const problem = each(item, at);
    if (problem) return problem;
  }
  return undefined;
}

function optionalString(item: Record<string, unknown>, key: string, at: string): string | undefined {
  const v = item[key];
  return v === undefined || v === null || typeof v === 'string' ? undefined : `${at}.${key}: must be a string`;
}

function metadataProblem(obj: Record<string, unknown>): string | undefined {
  const m = obj['metadata'];
  if (m !== undefined && !isObject(m)) return 'metadata: must be an object';
  const labels = (m as Record<string, unknown> | undefined)?.['labels'];
  if (labels !== undefined && labels !== null && !isObject(labels)) return 'metadata.labels: must be an object';
  return undefined;
}

function servicePort(p: Record<string, unknown>, at: string): string | undefined {
  if (!isPort(p['port'])) return `${at}.port: must be an integer 0-65535`;
  return optionalString(p, 'name', at) ?? optionalString(p, 'protocol', at);
}

export function serviceProblem(obj: Record<string, unknown>): string | undefined {
  const spec = obj['spec'];
  if (spec === undefined || spec === null) return undefined;
  if (!isObject(spec)) return 'spec: must be an object';
  return arrayOf(spec['ports'], 'spec.ports', servicePort);
}

export function endpointSliceProblem(obj: Record<string, unknown>): string | undefined {
  return (
    (obj['addressType'] === undefined || typeof obj['addressType'] === 'string' ? undefined : 'addressType: must be a string') ??
    arrayOf(obj['ports'], 'ports', (p, at) => (p['port'] === undefined || p['port'] === null || isPort(p['port']) ? undefined : `${at}.port: must be an integer 0-65535`) ?? optionalString(p, 'name', at) ?? optionalString(p, 'protocol', at)) ??
    arrayOf(obj['endpoints'], 'endpoints', (ep, at) => {
      const c = ep['conditions'];
      if (c !== undefined && c !== null && !isObject(c)) return `${at}.conditions: must be an object`;
      const addrs = ep['addresses'];
      if (addrs !== undefined && addrs !== null && (!Array.isArray(addrs) || addrs.some((a) => typeof a !== 'string'))) return `${at}.addresses: must be an array of strings`;
      return undefined;
    })
  );
}

export function endpointsProblem(obj: Record<string, unknown>): string | undefined {
  return arrayOf(obj['subsets'], 'subsets', (s, at) =>
    arrayOf(s['addresses'], `${at}.addresses`, (a, aat) => (typeof a['ip'] === 'string' ? undefined : `${aat}.ip: must be a string`)) ??
    arrayOf(s['ports'], `${at}.ports`, servicePort),
  );
}

function backendProblem(b: unknown, at: string): string | undefined {
  if (b === undefined || b === null) return undefined;
  if (!isObject(b)) return `${at}: must be an object`;
  const svc = b['service'];
  if (svc !== undefined && svc !== null && !isObject(svc)) return `${at}.service: must be an object`;
  const port = (svc as Record<string, unknown> | undefined)?.['port'];
  if (port !== undefined && port !== null && !isObject(port)) return `${at}.service.port: must be an object`;
  return optionalString((svc as Record<string, unknown> | undefined) ?? {}, 'name', `${at}.service`);
}

export function ingressProblem(obj: Record<string, unknown>): string | undefined {
  const spec = obj['spec'];
  if (spec === undefined || spec === null) return undefined;
  if (!isObject(spec)) return 'spec: must be an object';
  return (
    optionalString(spec, 'ingressClassName', 'spec') ??
    backendProblem(spec['defaultBackend'], 'spec.defaultBackend') ??
    arrayOf(spec['tls'], 'spec.tls', (t, at) => {
      const hosts = t['hosts'];
      if (hosts !== undefined && hosts !== null && (!Array.isArray(hosts) || hosts.some((h) => typeof h !== 'string'))) return `${at}.hosts: must be an array of strings`;
      return optionalString(t, 'secretName', at);
    }) ??
    arrayOf(spec['rules'], 'spec.rules', (r, at) => {
      const host = optionalString(r, 'host', at);
      if (host) return host;
      const http = r['http'];
      if (http === undefined || http === null) return undefined;
      if (!isObject(http)) return `${at}.http: must be an object`;
      return arrayOf(http['paths'], `${at}.http.paths`, (p, pat) => optionalString(p, 'path', pat) ?? optionalString(p, 'pathType', pat) ?? backendProblem(p['backend'], `${pat}.backend`));
    })
  );
}

const CHECKS: Partial<Record<string, (obj: Record<string, unknown>) => string | undefined>> = {
  Ingress: ingressProblem,
  Service: serviceProblem,
  EndpointSlice: endpointSliceProblem,
  Endpoints: endpointsProblem,
};

/** What is wrong with an object's shape for the router, or undefined when it is usable. */
export function shapeProblem(obj: KubeObject): string | undefined {
  const raw: unknown = obj;
  if (!isObject(raw)) return 'object: must be an object';
  const check = CHECKS[String(obj.kind)];
  if (!check) return undefined;
  return metadataProblem(raw) ?? check(raw);
}
