import type { Service } from '@svcnet/model';
import { InvalidObjects } from './invalidObjects.js';
import { STRICT_ADDRESSES, type AddressPolicy } from './ruleAddress.js';
import { servicePortsFromProxyService, shouldSkipService } from './serviceInfo.js';
import { isInvalidObject, parseProxyService, serviceKeyOf } from './serviceValidation.js';
import type { IPFamily, ServiceKey, ServicePortInfo } from './types.js';

/** service port key -> info: upstream proxy.ServicePortMap. */
export type ServicePortMap = Map<string, ServicePortInfo>;

export interface ServiceChange {
  previous: Map<string, ServicePortInfo>;
  current: Map<string, ServicePortInfo>;
}

export interface UpdateServiceMapResult {
  /** Services whose ports changed since the last sync: their chains must be rewritten. */
  updatedServices: Set<ServiceKey>;
  /** ClusterIPs of UDP ports that went away (conntrack entries to flush). */
  deletedUDPClusterIPs: Set<string>;
}

function samePorts(a: Map<string, ServicePortInfo>, b: Map<string, ServicePortInfo>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || JSON.stringify(v) !== JSON.stringify(w)) return false;
  }
  return true;
}

/**
 * Records Service changes between syncs (upstream ServiceChangeTracker). Watch events only record;
 * a sync checks the accumulated changes out with `checkout()`. A change that is undone before the
 * sync (add then delete, edit then revert) leaves nothing pending.
 */
export class ServiceChangeTracker {
  private readonly latest = new Map<ServiceKey, Map<string, ServicePortInfo>>();
  private readonly pending = new Map<ServiceKey, ServiceChange>();

  constructor(
    readonly family: IPFamily,
    private readonly policy: AddressPolicy = STRICT_ADDRESSES,
    /** Where skipped Services are reported (ProxyState shares one with the endpoints tracker). */
    readonly invalid: InvalidObjects = new InvalidObjects(),
  ) {}

  /**
   * Records the new state of a Service (an add or an update). True when changes are pending. A
   * Service with a value the rules cannot take is skipped as a whole (its rules go, as if it were
   * deleted) and reported; every other Service is unaffected.
   */
  onServiceUpdate(svc: Service): boolean {
    const key = serviceKeyOf(svc);
    if (shouldSkipService(svc)) {
      this.invalid.clear('Service', key);
      return this.record(key, new Map());
    }
    const parsed = parseProxyService(svc, this.policy);
    if (isInvalidObject(parsed)) {
      this.invalid.report(parsed);
      return this.record(key, new Map());
    }
    if (this.invalid.size) this.invalid.clear('Service', key);
    return this.record(key, servicePortsFromProxyService(svc, parsed, this.family));
  }

  onServiceDelete(svc: Service): boolean {
    const key = serviceKeyOf(svc);
    this.invalid.clear('Service', key);
    return this.record(key, new Map());
  }

  private record(key: ServiceKey, current: Map<string, ServicePortInfo>): boolean {
    const previous = this.latest.get(key) ?? new Map<string, ServicePortInfo>();
    let change = this.pending.get(key);
    if (!change) {
      change = { previous, current };
      this.pending.set(key, change);
    }
    change.current = current;
    if (current.size) this.latest.set(key, current);
    else this.latest.delete(key);
    if (samePorts(change.previous, change.current)) this.pending.delete(key);
    return this.pending.size > 0;
  }

  pendingCount(): number {
    return this.pending.size;
  }

  /** Hands the accumulated changes to a sync and starts a new batch. */
  checkout(): Map<ServiceKey, ServiceChange> {
    const out = new Map(this.pending);
    this.pending.clear();
    return out;
  }
}

/** Applies checked-out changes to the map (upstream ServicePortMap.Update). */
export function applyServiceChanges(map: ServicePortMap, changes: Map<ServiceKey, ServiceChange>): UpdateServiceMapResult {
  const result: UpdateServiceMapResult = { updatedServices: new Set(), deletedUDPClusterIPs: new Set() };
  for (const [key, change] of changes) {
    result.updatedServices.add(key);
    for (const [k, info] of change.previous) {
      if (!change.current.has(k)) {
        map.delete(k);
        if (info.protocol === 'UDP') result.deletedUDPClusterIPs.add(info.clusterIP);
      }
    }
    for (const [k, info] of change.current) map.set(k, info);
  }
  return result;
}
