// setDefaults: what the API server fills in before validation, dispatching on kind. Returns a defaulted
// deep copy; the argument is never modified.
import type { Container, Endpoints, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { IngressClass } from 'kubernetes-types/networking/v1.js';
import { NAMESPACED, isKind, type AnyObject, type KubeObject } from '../objects.js';
import { defaultIPFamilies, defaultServiceFields, normalizeClusterIPs, type ServiceDefaultsOptions } from './service.js';
import { prepareServiceUpdate } from './serviceUpdate.js';
import { shapeErrors } from '../validation/shape.js';

export type DefaultsOptions = ServiceDefaultsOptions;

/** What setDefaults, validateObject and admit take: a typed object or one read from a manifest. */
export type ObjectInput = AnyObject | KubeObject;

const arr = <T>(v: T[] | undefined | null): T[] => (Array.isArray(v) ? v : []);

function defaultContainerPorts(containers: Container[] | undefined, hostNetwork: boolean): void {
  for (const c of arr(containers)) {
    for (const p of arr(c?.ports)) {
      if (!p || typeof p !== 'object') continue;
      if (!p.protocol) p.protocol = 'TCP';
      // SetDefaults_PodSpec: with hostNetwork the container port is the host port.
      if (hostNetwork && !p.hostPort) p.hostPort = p.containerPort;
    }
  }
}

function defaultPod(pod: Pod): void {
  const hostNetwork = pod.spec?.hostNetwork === true;
  defaultContainerPorts(pod.spec?.containers, hostNetwork);
  defaultContainerPorts(pod.spec?.initContainers, hostNetwork);
  // The v1 -> internal conversion keeps podIP and podIPs[0] in step; podIP wins when they differ.
  const st = pod.status;
  if (st?.podIP && (!st.podIPs?.length || st.podIPs[0]?.ip !== st.podIP)) st.podIPs = [{ ip: st.podIP }];
  if (st && !st.podIP && st.podIPs?.[0]?.ip) st.podIP = st.podIPs[0].ip;
}

function defaultEndpoints(ep: Endpoints): void {
  for (const ss of arr(ep.subsets)) for (const p of arr(ss?.ports)) if (p && !p.protocol) p.protocol = 'TCP';
}

function defaultEndpointSlice(slice: EndpointSlice): void {
  // SetDefaults_EndpointPort (discovery/v1): name "" and protocol TCP.
  for (const p of arr(slice.ports)) {
    if (!p || typeof p !== 'object') continue;
    p.name ??= '';
    p.protocol ??= 'TCP';
  }
}

function defaultIngressClass(ic: IngressClass): void {
  const params = ic.spec?.parameters;
  if (params && !params.scope) params.scope = 'Cluster';
}

function defaultSecret(secret: Secret): void {
  if (!secret.type) secret.type = 'Opaque';
  // The API server folds write-only stringData into data (base64) and never stores stringData.
  if (secret.stringData && typeof secret.stringData === 'object') {
    secret.data ??= {};
    for (const [k, v] of Object.entries(secret.stringData)) secret.data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    delete secret.stringData;
  }
}

/**
 * Defaults `obj` in place. With `old` (an update), a Service is also prepared as the API server does
 * on update: allocated clusterIPs and node ports carried over, type-dependent fields dropped. An object
 * whose fields have the wrong JSON types is left unchanged (validation reports them).
 */
export function applyDefaults(input: ObjectInput, oldInput?: ObjectInput, opts: DefaultsOptions = {}): void {
  const obj = input as AnyObject;
  const old = oldInput as AnyObject | undefined;
  const kind = obj.kind;
  if (!isKind(kind)) return;
  // Malformed input is left as it is; validation reports its type errors.
  if (shapeErrors(kind, obj).length > 0) return;
  applyDefaultsWellShaped(obj, old, opts);
}

/**
 * applyDefaults for an object of a known kind whose shape has already been checked (shapeErrors
 * empty), as admit does once for both defaulting and validation. `prepareUpdate` false: a status
 * write, whose spec is the stored one, gets no update preparation (the status strategy's
 * PrepareForUpdate only keeps the old spec).
 */
export function applyDefaultsWellShaped(obj: AnyObject, old: AnyObject | undefined, opts: DefaultsOptions = {}, prepareUpdate = true): void {
  const kind = obj.kind;
  if (!isKind(kind)) return;
  if (old && (typeof old !== 'object' || !isKind(old.kind) || shapeErrors(old.kind, old).length > 0)) return;
  if (NAMESPACED[kind]) {
    if (!obj.metadata || typeof obj.metadata !== 'object') obj.metadata = {};
    if (!obj.metadata.namespace) obj.metadata.namespace = 'default';
  }
  switch (kind) {
    case 'Service': {
      const svc = obj as Service;
      defaultServiceFields(svc);
      if (old && old.kind === 'Service') {
        if (prepareUpdate) prepareServiceUpdate(svc, old as Service);
      } else normalizeClusterIPs(svc);
      defaultIPFamilies(svc, opts);
      break;
    }
    case 'Endpoints':
      defaultEndpoints(obj as Endpoints);
      break;
    case 'EndpointSlice':
      defaultEndpointSlice(obj as unknown as EndpointSlice);
      break;
    case 'Pod':
      defaultPod(obj as Pod);
      break;
    case 'IngressClass':
      defaultIngressClass(obj as IngressClass);
      break;
    case 'Secret':
      defaultSecret(obj as Secret);
      break;
    case 'Ingress':
    case 'Node':
      break;
  }
}

/** A defaulted deep copy of `obj`, as the API server's SetDefaults_* functions leave it. Unknown kinds are copied unchanged. */
export function setDefaults<T extends ObjectInput>(obj: T, opts: DefaultsOptions = {}): T {
  const copy = structuredClone(obj);
  applyDefaults(copy, undefined, opts);
  return copy;
}
