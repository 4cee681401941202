import type { EndpointSlice, Service } from '@svcnet/model';
import { EndpointsChangeTracker, applyEndpointsChanges } from './endpointsChangeTracker.js';
import type { EndpointsMap, StaleEndpoint } from './endpointsChangeTracker.js';
import { ServiceChangeTracker, applyServiceChanges } from './serviceChangeTracker.js';
import type { ServicePortMap } from './serviceChangeTracker.js';
import { InvalidObjects } from './invalidObjects.js';
import { STRICT_ADDRESSES, type AddressPolicy } from './ruleAddress.js';
import type { IPFamily, ServiceKey } from './types.js';

export interface SyncChanges {
  /** Services whose ports or endpoints changed since the previous checkout. */
  updatedServices: Set<ServiceKey>;
  lastChangeTriggerTimes: Map<ServiceKey, number[]>;
  deletedUDPClusterIPs: Set<string>;
  /** Serving UDP/SCTP endpoints that went away (conntrack cleanup after the sync). */
  staleEndpoints: StaleEndpoint[];
  /** UDP/SCTP service port keys that gained their first serving endpoint. */
  newlyActiveServices: string[];
}

/**
 * The service/endpoint map of one node and one IP family, fed by watch events and checked out by
 * each sync (the pair of change trackers and maps every upstream proxier holds).
 */
export class ProxyState {
  readonly services: ServicePortMap = new Map();
  readonly endpoints: EndpointsMap = new Map();
  private readonly serviceChanges: ServiceChangeTracker;
  private readonly endpointsChanges: EndpointsChangeTracker;
  /** Service -> its service port keys in `services` (kept by checkout, for partial renders). */
  private readonly portKeys = new Map<ServiceKey, readonly string[]>();

  /** Services and EndpointSlices skipped because a value of theirs cannot go into rules. */
  readonly invalid = new InvalidObjects();

  constructor(
    readonly family: IPFamily,
    readonly nodeName: string,
    policy: AddressPolicy = STRICT_ADDRESSES,
  ) {
    this.serviceChanges = new ServiceChangeTracker(family, policy, this.invalid);
    this.endpointsChanges = new EndpointsChangeTracker(family, nodeName, policy, this.invalid);
  }

  onServiceUpdate(svc: Service): boolean {
    return this.serviceChanges.onServiceUpdate(svc);
  }
  onServiceDelete(svc: Service): boolean {
    return this.serviceChanges.onServiceDelete(svc);
  }
  onEndpointSliceUpdate(slice: EndpointSlice): boolean {
    return this.endpointsChanges.endpointSliceUpdate(slice, false);
  }
  onEndpointSliceDelete(slice: EndpointSlice): boolean {
    return this.endpointsChanges.endpointSliceUpdate(slice, true);
  }

  hasPendingChanges(): boolean {
    return this.serviceChanges.pendingCount() + this.endpointsChanges.pendingCount() > 0;
  }

  /** The service port keys (keys of `services`) of one Service; empty when it has none. */
  portKeysOf(key: ServiceKey): readonly string[] {
    return this.portKeys.get(key) ?? [];
  }

  /** Applies everything recorded since the last call and says which services changed. */
  checkout(): SyncChanges {
    const serviceChanges = this.serviceChanges.checkout();
    for (const [key, change] of serviceChanges) {
      if (change.current.size) this.portKeys.set(key, [...change.current.keys()]);
      else this.portKeys.delete(key);
    }
    const s = applyServiceChanges(this.services, serviceChanges);
    const e = applyEndpointsChanges(this.endpoints, this.endpointsChanges.checkout());
    return {
      updatedServices: new Set([...s.updatedServices, ...e.updatedServices]),
      lastChangeTriggerTimes: e.lastChangeTriggerTimes,
      deletedUDPClusterIPs: s.deletedUDPClusterIPs,
      staleEndpoints: e.staleEndpoints,
      newlyActiveServices: e.newlyActiveServices,
    };
  }
}
