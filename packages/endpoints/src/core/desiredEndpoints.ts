import type { CoreEndpointPort, EndpointAddress, EndpointSubset, Endpoints, Pod, Service, ServicePort } from '@svcnet/model';
import { ANNOTATION_LAST_CHANGE_TRIGGER_TIME, ANNOTATION_OVER_CAPACITY, LABEL_HEADLESS, ipFamily, mapsEqual } from '@svcnet/model';
import { MAX_ENDPOINTS_CAPACITY } from './constants.js';
import {
  findPort,
  isPodReady,
  isReconciledService,
  isServiceIPSet,
  podIPs,
  portProtocol,
  selectorMatches,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from './podRules.js';
import { repackSubsets, sortSubsets } from './repackSubsets.js';
import { semanticEqual } from './semantic.js';
import { formatRFC3339Nano } from './time.js';
import { capacityAnnotationSetCorrectly, truncateSubsets } from './truncate.js';

export interface EndpointsOptions {
  /** The last-change-trigger-time to record (see TriggerTimeTracker); absent clears the annotation. */
  triggerTime?: string | number | Date | undefined;
  /** Address cap (default 1000, upstream's maxCapacity). */
  maxCapacity?: number;
  /** `pods` are exactly the Service's selected pods (SelectorIndex.podsForService): skip selecting again. */
  podsSelected?: boolean;
}

/** What the Endpoints controller would do: create, update, or nothing (`endpoints` is then the existing object). */
export interface EndpointsPlan {
  action: 'create' | 'update' | 'none';
  endpoints: Endpoints;
}

/** The pods a Service selects: same namespace, selector match (`{}` matches all). */
export function selectPods(service: Service, pods: Iterable<Pod>): Pod[] {
  const selector = service.spec?.selector;
  if (!selector) return [];
  const ns = service.metadata?.namespace ?? 'default';
  const out: Pod[] = [];
  for (const pod of pods) {
    if ((pod.metadata?.namespace ?? 'default') === ns && selectorMatches(selector, pod.metadata?.labels)) out.push(pod);
  }
  return out;
}

/**
 * The Endpoints object a Service should have, as upstream's endpoints controller syncService builds
 * it; undefined for a Service the controller does not manage (ExternalName, or no selector). When
 * `existing` is given, its metadata (resourceVersion, uid, other annotations) is carried over.
 */
export function desiredEndpoints(service: Service, pods: Iterable<Pod>, existing?: Endpoints, options: EndpointsOptions = {}): Endpoints | undefined {
  return planEndpoints(service, pods, existing, options)?.endpoints;
}

/** desiredEndpoints plus whether a write is needed; undefined for Services the controller leaves alone. */
export function planEndpoints(service: Service, pods: Iterable<Pod>, existing?: Endpoints, options: EndpointsOptions = {}): EndpointsPlan | undefined {
  if (!isReconciledService(service)) return undefined;
  const selected = options.podsSelected ? (Array.isArray(pods) ? (pods as Pod[]) : [...pods]) : selectPods(service, pods);
  const subsets = computeSubsets(service, selected);
  const serviceLabels = service.metadata?.labels;
  const maxCapacity = options.maxCapacity ?? MAX_ENDPOINTS_CAPACITY;

  if (existing) {
    // Compare the sorted subsets and the labels, ignoring the headless label the Service never carries.
    const { [LABEL_HEADLESS]: _headless, ...compareLabels } = existing.metadata?.labels ?? {};
    if (
      semanticEqual(existing.subsets, subsets) &&
      mapsEqual(compareLabels, serviceLabels) &&
      capacityAnnotationSetCorrectly(existing.metadata?.annotations, existing.subsets, maxCapacity)
    ) {
      return { action: 'none', endpoints: existing };
    }
  }

  // A shallow copy: only top-level fields are replaced below, the existing object is never mutated.
  const metadata: NonNullable<Endpoints['metadata']> = existing ? { ...existing.metadata } : {};
  metadata.name = service.metadata?.name ?? '';
  metadata.namespace = service.metadata?.namespace ?? 'default';
  const annotations: Record<string, string> = { ...(metadata.annotations ?? {}) };
  if (options.triggerTime !== undefined) annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME] = formatRFC3339Nano(options.triggerTime);
  else delete annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME];

  let finalSubsets = subsets;
  const truncated = truncateSubsets(subsets, maxCapacity);
  if (truncated) {
    finalSubsets = truncated;
    annotations[ANNOTATION_OVER_CAPACITY] = 'truncated';
  } else {
    delete annotations[ANNOTATION_OVER_CAPACITY];
  }

  const labels: Record<string, string> = { ...(serviceLabels ?? {}) };
  if (!isServiceIPSet(service)) labels[LABEL_HEADLESS] = '';
  else delete labels[LABEL_HEADLESS];

  metadata.labels = labels;
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  else delete metadata.annotations;

  const endpoints: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata, subsets: finalSubsets };
  if (existing) {
    // An update that would store the same object is no write at all (the API server would not bump
    // the resourceVersion either): this keeps over-capacity Services from rewriting on every sync.
    if (
      semanticEqual(existing.subsets, finalSubsets) &&
      mapsEqual(existing.metadata?.labels, labels) &&
      mapsEqual(existing.metadata?.annotations, metadata.annotations)
    ) {
      return { action: 'none', endpoints: existing };
    }
    return { action: 'update', endpoints };
  }
  return { action: 'create', endpoints };
}

/** The repacked subsets for a Service's selected pods (the loop of syncService). */
export function computeSubsets(service: Service, pods: readonly Pod[]): EndpointSubset[] {
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const ports = service.spec?.ports ?? [];
  const headless = service.spec?.clusterIP === 'None';
  const subsets: EndpointSubset[] = [];
  const fast = fastSubsets(service, pods, publishNotReady);
  if (fast) return fast;
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const epa = podToEndpointAddress(service, pod);
    if (!epa) continue;
    if (shouldSetHostname(pod, service)) epa.hostname = pod.spec!.hostname!;
    const ready = publishNotReady || isPodReady(pod);
    if (ports.length === 0) {
      // Headless Services may have no ports; others without ports get no addresses.
      if (headless) subsets.push(ready ? { addresses: [epa] } : { notReadyAddresses: [epa] });
      continue;
    }
    for (const servicePort of ports) {
      const portNum = findPort(pod, servicePort);
      if (portNum === undefined) continue;
      const epp = endpointPortFromServicePort(servicePort, portNum);
      subsets.push(ready ? { addresses: [epa], ports: [epp] } : { notReadyAddresses: [epa], ports: [epp] });
    }
  }
  return repackSubsets(subsets);
}

/**
 * The common case without repacking: every pod resolves every Service port to the same numbers, so
 * RepackSubsets would produce exactly one subset with all ports (addresses de-duplicated by IP + UID,
 * not ready winning). Undefined when that does not hold; computeSubsets then takes upstream's path.
 */
function fastSubsets(service: Service, pods: readonly Pod[], publishNotReady: boolean): EndpointSubset[] | undefined {
  const servicePorts = service.spec?.ports ?? [];
  if (servicePorts.length === 0) return undefined;
  let ports: CoreEndpointPort[] | undefined;
  const byKey = new Map<string, { addr: EndpointAddress; ready: boolean }>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const epa = podToEndpointAddress(service, pod);
    if (!epa) continue;
    if (ports) {
      for (let i = 0; i < servicePorts.length; i++) if (findPort(pod, servicePorts[i]!) !== ports[i]!.port) return undefined;
    } else {
      const podPorts: CoreEndpointPort[] = [];
      for (const sp of servicePorts) {
        const n = findPort(pod, sp);
        if (n === undefined) return undefined;
        podPorts.push(endpointPortFromServicePort(sp, n));
      }
      ports = podPorts;
    }
    if (shouldSetHostname(pod, service)) epa.hostname = pod.spec!.hostname!;
    const ready = publishNotReady || isPodReady(pod);
    const key = `${epa.ip}\u0000${epa.targetRef?.uid ?? ''}`;
    const prev = byKey.get(key);
    if (!prev) byKey.set(key, { addr: epa, ready });
    else if (prev.ready) prev.ready = ready;
  }
  if (!ports) return [];
  const addresses: EndpointAddress[] = [];
  const notReadyAddresses: EndpointAddress[] = [];
  for (const { addr, ready } of byKey.values()) (ready ? addresses : notReadyAddresses).push(addr);
  const subset: EndpointSubset = {};
  if (addresses.length) subset.addresses = addresses;
  if (notReadyAddresses.length) subset.notReadyAddresses = notReadyAddresses;
  subset.ports = ports;
  return sortSubsets([subset]);
}

/**
 * podToEndpointAddressForService: the pod IP of the Service's primary family (ipFamilies[0]; without
 * families, the ClusterIP's family, or for a headless Service the pod IP's). nodeName is set only when
 * the pod has one: upstream writes a pointer to "" which a real API server would reject.
 */
export function podToEndpointAddress(service: Service, pod: Pod): EndpointAddress | undefined {
  let family = service.spec?.ipFamilies?.[0];
  if (!family) {
    const probe = isServiceIPSet(service) ? service.spec!.clusterIP! : pod.status?.podIP ?? '';
    family = ipFamily(probe) === 'IPv6' ? 'IPv6' : 'IPv4';
  }
  const ip = podIPs(pod).find((candidate) => (ipFamily(candidate) === 'IPv6') === (family === 'IPv6'));
  if (!ip) return undefined;
  const address: EndpointAddress = { ip };
  if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
  address.targetRef = {
    kind: 'Pod',
    namespace: pod.metadata?.namespace ?? 'default',
    name: pod.metadata?.name ?? '',
    ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}),
  };
  return address;
}

export function endpointPortFromServicePort(servicePort: ServicePort, portNum: number): CoreEndpointPort {
  const p: CoreEndpointPort = { port: portNum, protocol: portProtocol(servicePort) };
  if (servicePort.name) p.name = servicePort.name;
  if (servicePort.appProtocol !== undefined) p.appProtocol = servicePort.appProtocol;
  return p;
}
