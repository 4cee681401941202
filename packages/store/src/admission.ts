import {
  AllocationError,
  FieldError,
  InvalidObjectError,
  OMIT,
  admit,
  allocateServiceAddresses,
  parseCIDR,
  serviceAllocations,
  type AnyObject,
  type IPFamily,
  type KubeObject,
  type Service,
} from '@svcnet/model';

/**
 * The one door between the store's write path and @svcnet/model: admission (setDefaults, the
 * update preparation such as patchAllocatedValues, validation) and Service address allocation.
 */

/** Allocator settings, as the API server's `--service-cluster-ip-range` and `--service-node-port-range`. */
export interface AllocatorConfig {
  serviceCIDRs: string[];
  nodePortRange: string;
  random: () => number;
  /** Take requested addresses outside the ranges as they are (a reader's store; see ServiceAllocationState). */
  keepRequested?: boolean;
}

/** Addresses and ports currently held by all Services (the allocators' bitmaps). */
export interface UsedResources {
  ips: ReadonlySet<string>;
  nodePorts: ReadonlySet<number>;
}

/** What one Service holds. */
export interface Allocations {
  ips: string[];
  nodePorts: number[];
}

// The families of a store's service CIDRs, parsed once per configuration (it never changes).
const familiesByConfig = new WeakMap<AllocatorConfig, { cidrs: string[]; families: IPFamily[] }>();

function serviceIPFamilies(config: AllocatorConfig): IPFamily[] {
  const known = familiesByConfig.get(config);
  if (known && known.cidrs === config.serviceCIDRs) return known.families;
  const families = config.serviceCIDRs.map((c) => parseCIDR(c)?.family).filter((f): f is IPFamily => f !== undefined);
  const unique = [...new Set(families)];
  familiesByConfig.set(config, { cidrs: config.serviceCIDRs, families: unique });
  return unique;
}

/**
 * Defaults and validates `object` (a create when `old` is undefined; with `subresource` 'status', a
 * status write, whose status is validated as ValidateServiceStatusUpdate does); throws InvalidObjectError.
 * `object` must be the caller's private copy: it is defaulted in place (admit's `owned`) and returned.
 */
export function admitObject<T extends KubeObject>(object: T, old: T | undefined, config: AllocatorConfig, subresource?: 'status'): T {
  const opts = { serviceIPFamilies: serviceIPFamilies(config), owned: true, ...(subresource ? { subresource } : {}) };
  return admit(object as unknown as AnyObject, old as unknown as AnyObject | undefined, opts) as unknown as T;
}

export function allocationsOf(svc: Service): Allocations {
  return serviceAllocations(svc);
}

/**
 * Fills in the ClusterIPs and NodePorts `svc` needs, keeping requested ones after checking them
 * against `used`; a refusal becomes the API server's field error
 * (`spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated`).
 *
 * The model's allocator reads every used address on each call, which is quadratic over a cluster's
 * Services. So it is first shown only the addresses this request names that are taken (they decide
 * refusals); a random pick that turns out taken is added and the call repeated, and after a few
 * clashes (a nearly full range) it gets the whole set. The result is the same as one full call.
 */
export function allocateService(svc: Service, used: UsedResources, config: AllocatorConfig): Service {
  const requested = new Set([...(svc.spec?.clusterIPs ?? []), svc.spec?.clusterIP ?? ''].filter((ip) => ip && ip !== 'None'));
  const shown = new Set([...requested].filter((ip) => used.ips.has(ip)));
  for (let attempt = 0; attempt < 8; attempt++) {
    const result = allocateOnce(svc, shown, used.nodePorts, config);
    const clashes = result.ips.filter((ip) => !requested.has(ip) && used.ips.has(ip));
    if (clashes.length === 0) return result.service;
    for (const ip of clashes) shown.add(ip);
  }
  return allocateOnce(svc, used.ips, used.nodePorts, config).service;
}

function allocateOnce(svc: Service, usedIPs: ReadonlySet<string>, usedNodePorts: ReadonlySet<number>, config: AllocatorConfig) {
  try {
    const state = { serviceCIDRs: config.serviceCIDRs, nodePortRange: config.nodePortRange, usedIPs, usedNodePorts, keepRequested: config.keepRequested ?? false };
    return allocateServiceAddresses(svc, state, config.random);
  } catch (e) {
    if (!(e instanceof AllocationError)) throw e;
    const error = new FieldError('FieldValueInvalid', e.field ?? 'spec', e.value ?? OMIT, e.reason);
    throw new InvalidObjectError('Service', svc.metadata?.name ?? '', [error]);
  }
}
