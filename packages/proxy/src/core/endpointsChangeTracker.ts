import type { EndpointSlice } from '@svcnet/model';
import { ANNOTATION_LAST_CHANGE_TRIGGER_TIME, objectKey, sliceServiceKey } from '@svcnet/model';
import { isParsedSlice, mergeSlices, parseEndpointSlice, type ParsedSlice } from './endpointInfo.js';
import { InvalidObjects } from './invalidObjects.js';
import { STRICT_ADDRESSES, type AddressPolicy } from './ruleAddress.js';
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
 * endpointSliceCache): each slice is checked and parsed once, when it is recorded; slices are
 * merged per Service, and a sync checks out, per changed Service, the endpoints before and after.
 */
export class EndpointsChangeTracker {
  /**
   * Per Service its checked slices by name. Their merge is not kept beside them: a change's
   * "before" is merged again from them when it is first needed (one Map per Service fewer, and
   * a Service with one slice merges into that slice's own arrays).
   */
  private readonly slices = new Map<ServiceKey, Map<string, ParsedSlice>>();
  private readonly pending = new Map<ServiceKey, EndpointsChange>();
  private readonly triggerTimes = new Map<ServiceKey, number[]>();

  constructor(
    readonly family: IPFamily,
    readonly nodeName: string,
    private readonly policy: AddressPolicy = STRICT_ADDRESSES,
    /** Where skipped slices are reported (ProxyState shares one with the service tracker). */
    readonly invalid: InvalidObjects = new InvalidObjects(),
  ) {}

  /**
   * Records an added/updated slice, or a removed one when `remove` is true. Slices without the
   * kubernetes.io/service-name label are ignored (returns false). A slice with a value the rules
   * cannot take counts as removed (its endpoints go) and is reported; the Service's other slices
   * still count. True when changes are pending.
   */
  endpointSliceUpdate(slice: EndpointSlice, remove: boolean): boolean {
    const key = sliceServiceKey(slice);
    const sliceName = slice.metadata?.name;
    if (!key || !sliceName) return this.pending.size > 0;
    let parsed: ParsedSlice | undefined;
    if (!remove) {
      const r = parseEndpointSlice(slice, this.family, this.nodeName, this.policy);
      if (isParsedSlice(r)) parsed = r;
      else this.invalid.report(r);
    }
    if ((parsed || remove) && this.invalid.size) this.invalid.clear('EndpointSlice', objectKey(slice));
    let set = this.slices.get(key);
    let change = this.pending.get(key);
    const before = change ? undefined : set ? mergeSlices(set.values()) : new Map<string, EndpointInfo[]>();
    if (!set) this.slices.set(key, (set = new Map()));
    if (parsed) set.set(sliceName, parsed);
    else set.delete(sliceName);
    if (set.size === 0) this.slices.delete(key);
    const current = mergeSlices(set.values());
    if (!change) {
      change = { previous: before!, current };
      this.pending.set(key, change);
    }
    change.current = current;
    if (sameEndpoints(change.previous, change.current)) {
      this.pending.delete(key);
      this.triggerTimes.delete(key);
    } else if (parsed) {
      const t = Date.parse(slice.metadata?.annotations?.[ANNOTATION_LAST_CHANGE_TRIGGER_TIME] ?? '');
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
