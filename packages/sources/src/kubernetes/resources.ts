import { API_VERSIONS, type Kind, SECRET_TYPE_TLS } from '@svcnet/model';

/** Where each kind is listed and watched on a Kubernetes API server, across all namespaces. */
export interface ResourceInfo {
  kind: Kind;
  apiVersion: string;
  /** Collection path, e.g. `/apis/discovery.k8s.io/v1/endpointslices`. */
  path: string;
  /** Server-side filter: only TLS Secrets are mirrored (the ingress needs those, nothing else). */
  fieldSelector?: string;
}

const PLURALS: Record<Kind, string> = {
  Service: 'services',
  Endpoints: 'endpoints',
  Pod: 'pods',
  Secret: 'secrets',
  Node: 'nodes',
  EndpointSlice: 'endpointslices',
  Ingress: 'ingresses',
  IngressClass: 'ingressclasses',
};

export function resourceInfo(kind: Kind, namespace?: string): ResourceInfo {
  const apiVersion = API_VERSIONS[kind];
  const base = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
  const scoped = namespace && kind !== 'Node' && kind !== 'IngressClass' ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return {
    kind,
    apiVersion,
    path: `${base}${scoped}/${PLURALS[kind]}`,
    ...(kind === 'Secret' ? { fieldSelector: `type=${SECRET_TYPE_TLS}` } : {}),
  };
}

/** Kinds mirrored by default: all of them, minus Endpoints/EndpointSlices when svcnet reconciles those itself. */
export function mirroredKinds(reconcileEndpoints: boolean): Kind[] {
  const all: Kind[] = ['Service', 'EndpointSlice', 'Endpoints', 'Pod', 'Ingress', 'IngressClass', 'Secret', 'Node'];
  return reconcileEndpoints ? all.filter((k) => k !== 'Endpoints' && k !== 'EndpointSlice') : all;
}
