import { EndpointSet, endpointsEqualBeyondHash, portMapKey } from './endpointSet.js';
import { generateName } from './generatedNames.js';
import { ipFamily, type IPFamily } from './net/index.js';
import { controllerRef, type CoreEndpointPort, type Endpoint, type EndpointAddress, type EndpointPort, type EndpointSlice, type Endpoints, type Service } from './objects.js';
import { mapsEqual } from './stringMaps.js';
import {
  ANNOTATION_LAST_APPLIED,
  ANNOTATION_LAST_CHANGE_TRIGGER_TIME,
  ANNOTATION_LEADER_ELECTION,
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  LABEL_SKIP_MIRROR,
  MIRRORING_CONTROLLER_NAME,
} from './wellKnown.js';

/** The mirroring controller's --mirroring-max-endpoints-per-subset default. */
export const DEFAULT_MAX_ENDPOINTS_PER_SUBSET = 1000;

/**
 * The EndpointSlice mirroring controller (pkg/controller/endpointslicemirroring) as pure functions:
 * a selectorless Service's hand-written Endpoints become EndpointSlices managed by
 * endpointslicemirroring-controller.k8s.io, one slice per subset port mapping and address type, at
 * most maxEndpointsPerSubset addresses per subset (default 1000). Invalid IPs are skipped.
 * The endpoints controller writes what reconcileMirroredSlices plans; readers that see only the
 * Endpoints (ingress over a store without slices) read mirroredSlices, the same slices unwritten.
 */
export interface MirrorOptions {
  maxEndpointsPerSubset?: number;
  random?: () => number;
}

/**
 * Whether a Service's Endpoints should be mirrored: the Service exists without a selector, the
 * Endpoints exist, are not labelled skip-mirror=true and are not a leader-election record. When
 * false, any mirrored slices for that name are to be deleted.
 */
export function shouldMirror(service: Service | undefined, endpoints: Endpoints | undefined): boolean {
  if (!service || !endpoints) return false;
  if (service.spec?.selector !== undefined && service.spec.selector !== null) return false;
  if (endpoints.metadata?.labels?.[LABEL_SKIP_MIRROR] === 'true') return false;
  if (endpoints.metadata?.annotations && ANNOTATION_LEADER_ELECTION in endpoints.metadata.annotations) return false;
  return true;
}

interface Desired {
  ports: EndpointPort[];
  addressType: IPFamily;
  set: EndpointSet;
}

/** The mirrored slices' creates/updates/deletes for one Endpoints object and its current mirrored slices. */
export function reconcileMirroredSlices(
  endpoints: Endpoints,
  existingSlices: readonly EndpointSlice[],
  options: MirrorOptions = {},
): { create: EndpointSlice[]; update: EndpointSlice[]; delete: EndpointSlice[]; skipped: number } {
  const max = options.maxEndpointsPerSubset ?? DEFAULT_MAX_ENDPOINTS_PER_SUBSET;
  const desired = new Map<string, Desired>();
  let skipped = 0;
  for (const subset of endpoints.subsets ?? []) {
    const ports = epPortsToEpsPorts(subset.ports ?? []);
    const keys = {} as Record<IPFamily, string>;
    for (const t of ['IPv4', 'IPv6'] as const) {
      keys[t] = `${t}/${portMapKey(ports)}`;
      if (!desired.has(keys[t])) desired.set(keys[t], { ports, addressType: t, set: new EndpointSet() });
      else desired.get(keys[t])!.ports = ports;
    }
    const total = (subset.addresses?.length ?? 0) + (subset.notReadyAddresses?.length ?? 0);
    let added = 0;
    const add = (address: EndpointAddress, ready: boolean) => {
      const t = ipFamily(address.ip);
      if (!t) return;
      desired.get(keys[t])!.set.insert(addressToEndpoint(address, ready));
      added++;
    };
    for (const a of subset.addresses ?? []) {
      if (added >= max) break;
      add(a, true);
    }
    for (const a of subset.notReadyAddresses ?? []) {
      if (added >= max) break;
      add(a, false);
    }
    skipped += total - added;
  }

  const existingByKey = new Map<string, EndpointSlice[]>();
  for (const s of [...existingSlices].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1))) {
    const key = `${s.addressType}/${portMapKey(s.ports)}`;
    existingByKey.set(key, [...(existingByKey.get(key) ?? []), s]);
  }

  let create: EndpointSlice[] = [];
  const update: EndpointSlice[] = [];
  let del: EndpointSlice[] = [];
  for (const key of [...desired.keys()].sort()) {
    const d = desired.get(key)!;
    const existing = existingByKey.get(key) ?? [];
    if (d.set.size === 0) {
      del.push(...existing);
      continue;
    }
    if (existing.length > 0) {
      del.push(...existing.slice(1));
      if (unchanged(existing[0]!, d.set, endpoints)) continue;
    }
    const slice = newMirroredSlice(endpoints, d.ports, d.addressType, existing[0]?.metadata?.name);
    while (d.set.size > 0 && slice.endpoints.length < max) slice.endpoints.push(d.set.popAny()!);
    (slice.metadata?.name ? update : create).push(slice);
  }
  for (const [key, slices] of existingByKey) if (!desired.has(key)) del.push(...slices);

  // recycleSlices: reuse the names of slices being deleted for slices being created, per address type.
  for (const t of ['IPv4', 'IPv6']) {
    const c = create.filter((s) => s.addressType === t);
    const d = del.filter((s) => s.addressType === t);
    for (let i = 0; i < c.length && i < d.length; i++) {
      create = create.filter((s) => s !== c[i]);
      del = del.filter((s) => s !== d[i]);
      c[i]!.metadata = { ...c[i]!.metadata, name: d[i]!.metadata?.name ?? '' };
      delete c[i]!.metadata!.generateName;
      update.push(c[i]!);
    }
  }
  const random = options.random ?? Math.random;
  if (endpoints.metadata?.deletionTimestamp) create = [];
  for (const s of create) {
    s.metadata!.name = generateName(s.metadata!.generateName!, random);
    delete s.metadata!.generateName;
  }
  return { create, update, delete: del, skipped };
}

/**
 * The EndpointSlices the mirroring controller keeps for `endpoints` (what a cluster would hold after
 * it ran), named `<endpoints name>-mirror-<n>` instead of a random generateName suffix so that a
 * reader's view is reproducible. Whether to mirror at all (shouldMirror) is the caller's decision.
 */
export function mirroredSlices(endpoints: Endpoints, options: Pick<MirrorOptions, 'maxEndpointsPerSubset'> = {}): EndpointSlice[] {
  let n = 0;
  const { create } = reconcileMirroredSlices(endpoints, [], { ...options, random: () => 0 });
  for (const s of create) s.metadata!.name = `${endpoints.metadata?.name ?? ''}-mirror-${n++}`;
  return create;
}

/** totalChanges == 0 and the labels and annotations already mirror the Endpoints. */
function unchanged(slice: EndpointSlice, desired: EndpointSet, endpoints: Endpoints): boolean {
  let matches = 0;
  for (const ep of slice.endpoints ?? []) {
    const got = desired.get(ep);
    if (!got || !endpointsEqualBeyondHash(got, ep)) return false;
    matches++;
  }
  if (desired.size !== matches) return false;
  const want = newMirroredSlice(endpoints, [], 'IPv4', undefined);
  return mapsEqual(slice.metadata?.labels, want.metadata?.labels) && mapsEqual(slice.metadata?.annotations, want.metadata?.annotations);
}

/** newEndpointSlice (mirroring utils.go): labels cloned from the Endpoints, annotations minus trigger-time and last-applied. */
function newMirroredSlice(endpoints: Endpoints, ports: EndpointPort[], addressType: IPFamily, name: string | undefined): EndpointSlice {
  const labels: Record<string, string> = { ...(endpoints.metadata?.labels ?? {}) };
  labels[LABEL_SERVICE_NAME] = endpoints.metadata?.name ?? '';
  labels[LABEL_MANAGED_BY] = MIRRORING_CONTROLLER_NAME;
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(endpoints.metadata?.annotations ?? {})) {
    if (k !== ANNOTATION_LAST_CHANGE_TRIGGER_TIME && k !== ANNOTATION_LAST_APPLIED) annotations[k] = v;
  }
  const metadata: EndpointSlice['metadata'] = {
    namespace: endpoints.metadata?.namespace ?? 'default',
    labels,
    ownerReferences: [controllerRef('Endpoints', endpoints)],
  };
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  if (name) metadata.name = name;
  else metadata.generateName = `${endpoints.metadata?.name ?? ''}-`;
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata, addressType, ports, endpoints: [] };
}

function addressToEndpoint(address: EndpointAddress, ready: boolean): Endpoint {
  const ep: Endpoint = { addresses: [address.ip], conditions: { ready } };
  if (address.targetRef) ep.targetRef = address.targetRef;
  if (address.nodeName) ep.nodeName = address.nodeName;
  if (address.hostname) ep.hostname = address.hostname;
  return ep;
}

function epPortsToEpsPorts(ports: readonly CoreEndpointPort[]): EndpointPort[] {
  return ports.map((p) => {
    const out: EndpointPort = { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
    if (p.appProtocol !== undefined) out.appProtocol = p.appProtocol;
    return out;
  });
}
