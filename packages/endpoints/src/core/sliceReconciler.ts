import type { EndpointPort, EndpointSlice, Pod, Service } from '@svcnet/model';
import { ANNOTATION_LAST_CHANGE_TRIGGER_TIME, ENDPOINTSLICE_CONTROLLER_NAME, EndpointSet, endpointsEqualBeyondHash, generateName, portMapKey, type IPFamily } from '@svcnet/model';
import { DEFAULT_MAX_ENDPOINTS_PER_SLICE } from './constants.js';
import { selectPods } from './desiredEndpoints.js';
import { addressTypesForService, isReconciledService, shouldPodBeInEndpoints } from './podRules.js';
import { semanticEqual } from './semantic.js';
import { endpointPortsResolver, newEndpointSlice, ownedBy, podToEndpoint, sliceLabels } from './sliceBuilders.js';
import { formatRFC3339Nano } from './time.js';

export interface SliceReconcileOptions {
  /** managed-by value of the slices written (default upstream's endpointslice-controller.k8s.io). */
  controllerName?: string;
  /** At most this many endpoints per slice (default 100, --max-endpoints-per-slice). */
  maxEndpointsPerSlice?: number;
  /** Random source for generated slice names (default Math.random). */
  random?: () => number;
  /** The last-change-trigger-time for written slices; absent clears the annotation. */
  triggerTime?: string | number | Date | undefined;
  /** The zone of a node (its topology.kubernetes.io/zone label), when nodes are known. */
  zoneOf?: (nodeName: string) => string | undefined;
  /** `pods` are exactly the Service's selected pods (SelectorIndex.podsForService): skip selecting again. */
  podsSelected?: boolean;
}

/** The writes that bring a Service's slices to the desired state. Created slices already carry a name. */
export interface SliceChanges {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

/**
 * The EndpointSlice reconciler (staging/src/k8s.io/endpointslice/reconciler.go) as a pure function:
 * the Service's pods and its current slices in, the creates/updates/deletes out. Endpoints are grouped
 * by address type and port mapping; existing slices are updated in place first, then filled, then the
 * rest goes into the unchanged slice closest to full, and only then into new slices (at most
 * maxEndpointsPerSlice each), which keeps churn low. A Service without endpoints keeps one empty
 * placeholder slice. ExternalName and selectorless Services get no changes.
 *
 * `existingSlices` are the slices labelled with this Service's name and our managed-by value.
 */
export function reconcileSlices(service: Service, pods: Iterable<Pod>, existingSlices: readonly EndpointSlice[], options: SliceReconcileOptions = {}): SliceChanges {
  const changes: SliceChanges = { create: [], update: [], delete: [] };
  if (!isReconciledService(service)) return changes;
  const ctx: Ctx = {
    service,
    controllerName: options.controllerName ?? ENDPOINTSLICE_CONTROLLER_NAME,
    max: options.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE,
    ...(options.zoneOf ? { zoneOf: options.zoneOf } : {}),
  };
  const selected = options.podsSelected ? (Array.isArray(pods) ? (pods as Pod[]) : [...pods]) : selectPods(service, pods);
  const supported = addressTypesForService(service);
  const byType = new Map<IPFamily, EndpointSlice[]>();
  for (const slice of sortedByName(existingSlices)) {
    const t = slice.addressType as IPFamily;
    if (!supported.includes(t)) {
      changes.delete.push(slice);
      continue;
    }
    byType.set(t, [...(byType.get(t) ?? []), slice]);
  }
  for (const t of supported) {
    const r = reconcileByAddressType(ctx, selected, byType.get(t) ?? [], t);
    changes.create.push(...r.create);
    changes.update.push(...r.update);
    changes.delete.push(...r.delete);
  }
  return finalize(service, changes, options);
}

interface Ctx {
  service: Service;
  controllerName: string;
  max: number;
  zoneOf?: (nodeName: string) => string | undefined;
}

function reconcileByAddressType(ctx: Ctx, pods: readonly Pod[], existing: EndpointSlice[], addressType: IPFamily): SliceChanges {
  const out: SliceChanges = { create: [], update: [], delete: [] };
  const existingByPortMap = new Map<string, EndpointSlice[]>();
  for (const slice of existing) {
    if (ownedBy(slice, ctx.service)) {
      const key = portMapKey(slice.ports);
      existingByPortMap.set(key, [...(existingByPortMap.get(key) ?? []), slice]);
    } else {
      out.delete.push(slice);
    }
  }

  const desiredPorts = new Map<string, EndpointPort[]>();
  const desiredByPortMap = new Map<string, EndpointSet>();
  const portsOf = endpointPortsResolver(ctx.service);
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const { ports, key } = portsOf(pod);
    let set = desiredByPortMap.get(key);
    if (!set) {
      set = new EndpointSet();
      desiredByPortMap.set(key, set);
      desiredPorts.set(key, ports);
    }
    const nodeName = pod.spec?.nodeName;
    const zone = nodeName && ctx.zoneOf ? ctx.zoneOf(nodeName) : undefined;
    const endpoint = podToEndpoint(pod, ctx.service, addressType, zone);
    if (endpoint.addresses.length > 0) set.insert(endpoint);
  }

  for (const key of [...desiredByPortMap.keys()].sort()) {
    const r = reconcileByPortMapping(ctx, existingByPortMap.get(key) ?? [], desiredByPortMap.get(key)!, desiredPorts.get(key)!, addressType);
    out.create.push(...r.create);
    out.update.push(...r.update);
    out.delete.push(...r.delete);
  }
  for (const [key, slices] of existingByPortMap) {
    if (!desiredByPortMap.has(key)) out.delete.push(...slices);
  }

  // When no slices would exist, keep (or create) one placeholder without endpoints.
  if (existing.length === out.delete.length && out.create.length < 1) {
    const placeholder = newEndpointSlice(ctx.service, [], addressType, ctx.controllerName);
    if (out.delete.length === 1 && isSamePlaceholder(out.delete[0]!, placeholder)) {
      out.delete = [];
    } else {
      out.create.push(placeholder);
    }
  }
  return out;
}

/** placeholderSliceCompare: namespace, labels, ownerReferences, addressType, ports and endpoints. */
function isSamePlaceholder(a: EndpointSlice, b: EndpointSlice): boolean {
  const pick = (s: EndpointSlice) => ({
    namespace: s.metadata?.namespace,
    labels: s.metadata?.labels,
    ownerReferences: s.metadata?.ownerReferences,
    addressType: s.addressType,
    ports: s.ports,
    endpoints: s.endpoints,
  });
  return semanticEqual(pick(a), pick(b));
}

function reconcileByPortMapping(ctx: Ctx, existing: EndpointSlice[], desired: EndpointSet, ports: EndpointPort[], addressType: IPFamily): SliceChanges {
  const byName = new Map<string, EndpointSlice>();
  const unchanged = new Set<string>();
  const toUpdate = new Set<string>();
  const toDelete = new Set<string>();

  // 1. Drop endpoints no longer desired and refresh changed ones in place.
  for (const slice of existing) {
    const name = slice.metadata?.name ?? '';
    byName.set(name, slice);
    const kept = [];
    let endpointUpdated = false;
    for (const endpoint of slice.endpoints ?? []) {
      const got = desired.get(endpoint);
      if (!got) continue;
      kept.push(got);
      if (!endpointsEqualBeyondHash(got, endpoint)) endpointUpdated = true;
      desired.delete(endpoint);
    }
    const { labels, changed: labelsChanged } = sliceLabels(slice.metadata?.labels, ctx.service, ctx.controllerName);
    if (endpointUpdated || (slice.endpoints?.length ?? 0) !== kept.length) {
      if (kept.length === 0) {
        toDelete.add(name);
      } else {
        byName.set(name, { ...slice, metadata: { ...slice.metadata, labels }, endpoints: kept });
        toUpdate.add(name);
      }
    } else if (labelsChanged) {
      byName.set(name, { ...slice, metadata: { ...slice.metadata, labels }, endpoints: [...(slice.endpoints ?? [])] });
      toUpdate.add(name);
    } else {
      unchanged.add(name);
    }
  }

  // 2. Fill the slices being updated anyway, fullest first.
  if (desired.size > 0 && toUpdate.size > 0) {
    const slices = [...toUpdate].sort().map((n) => byName.get(n)!);
    slices.sort((a, b) => (b.endpoints?.length ?? 0) - (a.endpoints?.length ?? 0));
    for (const slice of slices) {
      while (desired.size > 0 && slice.endpoints.length < ctx.max) slice.endpoints.push(desired.popAny()!);
    }
  }

  // 3. Put what is left into the unchanged slice that ends closest to full, else into new slices.
  const create: EndpointSlice[] = [];
  while (desired.size > 0) {
    let sliceToFill: EndpointSlice | undefined;
    if (desired.size < ctx.max && unchanged.size > 0) {
      sliceToFill = sliceClosestToFull([...unchanged].sort().map((n) => byName.get(n)!), desired.size, ctx.max);
    }
    if (!sliceToFill) {
      sliceToFill = newEndpointSlice(ctx.service, ports, addressType, ctx.controllerName);
    } else {
      // A copy we may append to; the existing slice (a shared informer object) is never mutated.
      sliceToFill = { ...sliceToFill, endpoints: [...(sliceToFill.endpoints ?? [])] };
      byName.set(sliceToFill.metadata!.name!, sliceToFill);
    }
    while (desired.size > 0 && sliceToFill.endpoints.length < ctx.max) sliceToFill.endpoints.push(desired.popAny()!);
    const name = sliceToFill.metadata?.name;
    if (name) {
      toUpdate.add(name);
      unchanged.delete(name);
    } else {
      create.push(sliceToFill);
    }
  }
  return {
    create,
    update: [...toUpdate].sort().map((n) => byName.get(n)!),
    delete: [...toDelete].sort().map((n) => byName.get(n)!),
  };
}

/** getSliceToFill: the slice left with the least room after adding n endpoints, if any fits. */
function sliceClosestToFull(slices: EndpointSlice[], n: number, max: number): EndpointSlice | undefined {
  let closestDiff = max;
  let closest: EndpointSlice | undefined;
  for (const slice of slices) {
    const diff = max - (n + (slice.endpoints?.length ?? 0));
    if (diff >= 0 && diff < closestDiff) {
      closestDiff = diff;
      closest = slice;
      if (diff === 0) return closest;
    }
  }
  return closest;
}

/** finalize: turn creates into updates of slices about to be deleted, name the rest, stamp the trigger time. */
function finalize(service: Service, changes: SliceChanges, options: SliceReconcileOptions): SliceChanges {
  const create = [...changes.create];
  const update = [...changes.update];
  const del = [...changes.delete];
  for (let i = 0; i < del.length; ) {
    if (create.length === 0) break;
    const victim = del[i]!;
    const slice = create[create.length - 1]!;
    if (victim.addressType === slice.addressType && ownedBy(victim, service)) {
      slice.metadata = { ...slice.metadata, name: victim.metadata?.name ?? '' };
      delete slice.metadata.generateName;
      create.pop();
      update.push(slice);
      del.splice(i, 1);
    } else {
      i++;
    }
  }
  const random = options.random ?? Math.random;
  const stamp = (slice: EndpointSlice) => {
    const annotations = { ...(slice.metadata?.annotations ?? {}) };
    if (options.triggerTime !== undefined) annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME] = formatRFC3339Nano(options.triggerTime);
    else delete annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME];
    slice.metadata = { ...slice.metadata };
    if (Object.keys(annotations).length) slice.metadata.annotations = annotations;
    else delete slice.metadata.annotations;
  };
  // Don't create slices for a Service being deleted (a race with the garbage collector upstream).
  const creating = service.metadata?.deletionTimestamp ? [] : create;
  for (const slice of creating) {
    stamp(slice);
    // Rebuilt, not `delete`d: a deleted property leaves a slow dictionary-mode object behind.
    const { generateName: prefix, ...meta } = slice.metadata!;
    slice.metadata = { ...meta, name: generateName(prefix ?? `${service.metadata?.name}-`, random) };
  }
  for (const slice of update) stamp(slice);
  return { create: creating, update, delete: del };
}

function sortedByName(slices: readonly EndpointSlice[]): EndpointSlice[] {
  return [...slices].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
}
