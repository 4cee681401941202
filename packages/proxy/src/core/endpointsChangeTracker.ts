import type { EndpointSlice } from '@svcnet/model';
import { LAST_CHANGE_TRIGGER_TIME, endpointsFromSlices, sliceServiceKey } from './endpointInfo.js';
import type { EndpointInfo, IPFamily, ServiceKey } from './types.js';

/** service port key -> endpoints (all of them; per-node selection happens at render time). */
export type EndpointsMap = Map<string, EndpointInfo[]>;

export interface EndpointsChange {
  previous: Map<string, EndpointInfo[]>;
  current: Map<string, EndpointInfo[]>;
}

export interface EndpointsCheckout {
  changes: Map<ServiceKey, EndpointsChange>;
  /** Per service, the last-change-trigger-time annotations (epoch ms) seen since the last sync. */
  lastChangeTriggerTimes: Map<ServiceKey, number[]>;
}

/** An endpoint that served a UDP/SCTP service port and no longer does (upstream ServiceEndpoint). */
export interface StaleEndpoint {
  /** The service port key (a key of the service and endpoints maps). */
  servicePortKey: string;
  endpoint: EndpointInfo;
}

export interface UpdateEndpointsMapResult {
  updatedServices: Set<ServiceKey>;
  lastChangeTriggerTimes: Map<ServiceKey, number[]>;
  /** Serving UDP/SCTP endpoints that were removed or stopped serving (their conntrack entries go). */
  staleEndpoints: StaleEndpoint[];
  /** UDP/SCTP service port keys that went from no serving endpoint to some (upstream NewlyActiveUDPServices). */
  newlyActiveServices: string[];
}

/** Conntrack only matters for connectionless protocols; keys end with `/<protocol>`. */
function conntrackProtocol(portKey: string): boolean {
  return portKey.endsWith('/UDP') || portKey.endsWith('/SCTP');
}

/** Upstream detectStaleConntrackEntries, for one Service's change. */
function detectStale(change: EndpointsChange, stale: StaleEndpoint[], newlyActive: string[]): void {
  for (const [portKey, old] of change.previous) {
    if (!conntrackProtocol(portKey)) continue;
    const now = change.current.get(portKey) ?? [];
    for (const ep of old) {
      if (!ep.serving) continue;
      if (!now.some((n) => n.endpoint === ep.endpoint && n.serving)) stale.push({ servicePortKey: portKey, endpoint: ep });
    }
  }
  for (const [portKey, eps] of change.current) {
    if (!conntrackProtocol(portKey)) continue;
    const before = (change.previous.get(portKey) ?? []).some((e) => e.serving);
    if (!before && eps.some((e) => e.serving)) newlyActive.push(portKey);
  }
}

function sameEndpoints(a: Map<string, EndpointInfo[]>, b: Map<string, EndpointInfo[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || JSON.stringify(v) !== JSON.stringify(w)) return false;
  }
  return true;
}

/**
 * Records EndpointSlice changes between syncs (upstream EndpointsChangeTracker with its
 * endpointSliceCache): slices are merged per Service, and a sync checks out, per changed Service,
 * the endpoints before and after.
 */
export class EndpointsChangeTracker {
  private readonly slices = new Map<ServiceKey, Map<string, EndpointSlice>>();
  private readonly pending = new Map<ServiceKey, EndpointsChange>();
  private readonly triggerTimes = new Map<ServiceKey, number[]>();

  constructor(
    readonly family: IPFamily,
    readonly nodeName: string,
  ) {}

  /**
   * Records an added/updated slice, or a removed one when `remove` is true. Slices without the
   * kubernetes.io/service-name label are ignored (returns false). True when changes are pending.
   */
  endpointSliceUpdate(slice: EndpointSlice, remove: boolean): boolean {
    const key = sliceServiceKey(slice);
    const sliceName = slice.metadata?.name;
    if (!key || !sliceName) return this.pending.size > 0;
    let set = this.slices.get(key);
    const before = set ? endpointsFromSlices(set.values(), this.family, this.nodeName) : new Map<string, EndpointInfo[]>();
    if (!set) this.slices.set(key, (set = new Map()));
    if (remove) set.delete(sliceName);
    else set.set(sliceName, slice);
    if (set.size === 0) this.slices.delete(key);
    const current = endpointsFromSlices(set.values(), this.family, this.nodeName);
    let change = this.pending.get(key);
    if (!change) {
      change = { previous: before, current };
      this.pending.set(key, change);
    }
    change.current = current;
    if (sameEndpoints(change.previous, change.current)) {
      this.pending.delete(key);
      this.triggerTimes.delete(key);
    } else if (!remove) {
      const t = Date.parse(slice.metadata?.annotations?.[LAST_CHANGE_TRIGGER_TIME] ?? '');
      if (Number.isFinite(t)) {
        const list = this.triggerTimes.get(key) ?? [];
        if (!list.includes(t)) list.push(t);
        this.triggerTimes.set(key, list);
      }
    }
    return this.pending.size > 0;
  }

  pendingCount(): number {
    return this.pending.size;
  }

  checkout(): EndpointsCheckout {
    const out: EndpointsCheckout = { changes: new Map(this.pending), lastChangeTriggerTimes: new Map(this.triggerTimes) };
    this.pending.clear();
    this.triggerTimes.clear();
    return out;
  }
}

/** Applies checked-out changes to the map (upstream EndpointsMap.Update). */
export function applyEndpointsChanges(map: EndpointsMap, checkout: EndpointsCheckout): UpdateEndpointsMapResult {
  const updatedServices = new Set<ServiceKey>();
  const staleEndpoints: StaleEndpoint[] = [];
  const newlyActiveServices: string[] = [];
  for (const [key, change] of checkout.changes) {
    updatedServices.add(key);
    detectStale(change, staleEndpoints, newlyActiveServices);
    for (const k of change.previous.keys()) map.delete(k);
    for (const [k, eps] of change.current) map.set(k, eps);
  }
  return { updatedServices, lastChangeTriggerTimes: checkout.lastChangeTriggerTimes, staleEndpoints, newlyActiveServices };
}
