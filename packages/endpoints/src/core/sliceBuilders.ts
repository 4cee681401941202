import type { Endpoint, EndpointPort, EndpointSlice, Pod, Service } from '@svcnet/model';
import { controllerRef, LABEL_HEADLESS, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, ipFamily, portMapKey, sortPorts, type IPFamily } from '@svcnet/model';
import { findPort, isPodReady, isPodTerminating, isServiceIPSet, podIPs, portProtocol, shouldSetHostname } from './podRules.js';

/** Upstream's utils.go for the EndpointSlice controller: how a pod becomes an endpoint and a Service a slice. */

/** podToEndpoint: conditions as upstream computes them; ready is never true for a terminating pod unless publishNotReadyAddresses. */
export function podToEndpoint(pod: Pod, service: Service, addressType: IPFamily, zone?: string): Endpoint {
  const serving = isPodReady(pod);
  const terminating = isPodTerminating(pod);
  const ready = service.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const ep: Endpoint = {
    addresses: podIPs(pod).filter((ip) => ipFamily(ip) === addressType),
    conditions: { ready, serving, terminating },
    targetRef: {
      kind: 'Pod',
      namespace: pod.metadata?.namespace ?? 'default',
      name: pod.metadata?.name ?? '',
      ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}),
    },
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  if (zone) ep.zone = zone;
  if (shouldSetHostname(pod, service)) ep.hostname = pod.spec!.hostname!;
  return ep;
}

/** getEndpointPorts: one port per Service port the pod resolves; none for a headless Service without ports. */
export function endpointPortsFor(service: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  const ports = service.spec?.ports ?? [];
  if (ports.length === 0 && service.spec?.clusterIP === 'None') return out;
  for (const sp of ports) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const ep: EndpointPort = { name: sp.name ?? '', port, protocol: portProtocol(sp) };
    if (sp.appProtocol !== undefined) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

/**
 * endpointPortsFor, sorted, with its portMapKey, memoised per Service: a pod's ports depend only on
 * the numbers its named targetPorts resolve to, so pods that resolve alike (every pod, when all
 * targetPorts are numbers) share one ports list and key instead of building them per pod.
 * The returned objects are shared: callers must not mutate them.
 */
export function endpointPortsResolver(service: Service): (pod: Pod) => { ports: EndpointPort[]; key: string } {
  const servicePorts = service.spec?.ports ?? [];
  const named = servicePorts.some((sp) => {
    const target = sp.targetPort ?? sp.port;
    return typeof target === 'string' && !/^\d+$/.test(target);
  });
  const resolve = (pod: Pod) => {
    const ports = sortPorts(endpointPortsFor(service, pod));
    return { ports, key: portMapKey(ports) };
  };
  if (!named) {
    let fixed: { ports: EndpointPort[]; key: string } | undefined;
    return (pod) => (fixed ??= resolve(pod));
  }
  const bySignature = new Map<string, { ports: EndpointPort[]; key: string }>();
  return (pod) => {
    let signature = '';
    for (const sp of servicePorts) signature += `${findPort(pod, sp) ?? '-'},`;
    let r = bySignature.get(signature);
    if (!r) bySignature.set(signature, (r = resolve(pod)));
    return r;
  };
}

/** ownedBy: the slice has an ownerReference to this Service (by UID, kind and apiVersion). */
export function ownedBy(slice: EndpointSlice, service: Service): boolean {
  return (slice.metadata?.ownerReferences ?? []).some(
    (o) => o.uid === (service.metadata?.uid ?? '') && o.kind === 'Service' && o.apiVersion === 'v1',
  );
}

const RESERVED = new Set([LABEL_SERVICE_NAME, LABEL_MANAGED_BY, LABEL_HEADLESS]);

/**
 * setEndpointSliceLabels: the Service's labels (without the reserved keys), the headless label when
 * the Service has no ClusterIP, and service-name/managed-by. `changed` says whether the slice's
 * non-reserved labels differ from the Service's.
 */
export function sliceLabels(
  existing: Readonly<Record<string, string>> | undefined,
  service: Service,
  controllerName: string,
): { labels: Record<string, string>; changed: boolean } {
  const ep: Record<string, string> = {};
  for (const [k, v] of Object.entries(existing ?? {})) if (!RESERVED.has(k)) ep[k] = v;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(service.metadata?.labels ?? {})) if (!RESERVED.has(k)) labels[k] = v;
  const ek = Object.keys(ep);
  const changed = ek.length !== Object.keys(labels).length || ek.some((k) => labels[k] !== ep[k]);
  if (!isServiceIPSet(service)) labels[LABEL_HEADLESS] = '';
  labels[LABEL_SERVICE_NAME] = service.metadata?.name ?? '';
  labels[LABEL_MANAGED_BY] = controllerName;
  return { labels, changed };
}

/** newEndpointSlice: an unnamed slice (the caller names it, as generateName would) with no endpoints yet. */
export function newEndpointSlice(service: Service, ports: EndpointPort[], addressType: IPFamily, controllerName: string): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      namespace: service.metadata?.namespace ?? 'default',
      generateName: `${service.metadata?.name ?? ''}-`,
      labels: sliceLabels(undefined, service, controllerName).labels,
      ownerReferences: [controllerRef('Service', service)],
    },
    addressType,
    ports,
    endpoints: [],
  };
}

