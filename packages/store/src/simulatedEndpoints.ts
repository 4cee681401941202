import { SIMULATED_ENDPOINTS_ANNOTATION, isSimulatedPod, type EndpointSlice, type Endpoints, type Pod } from '@svcnet/model';

/** What the store says of the Pod an endpoint's targetRef names. */
export type PodVerdict = 'real' | 'simulated' | 'unknown';

/** An Endpoints or EndpointSlice as a data plane may use it, and what was left out. */
export interface DataPlaneView<T> {
  /** The object itself when nothing is left out; otherwise a copy without those endpoints. */
  readonly object: T;
  /** Endpoints of simulated Pods (no process behind their address). */
  readonly simulated: number;
  /** Endpoints naming a Pod the store does not hold (not yet, or no longer): left out until it does. */
  readonly unknownPods: number;
  /** `namespace/name` of every Pod a targetRef names (to look again when one of them changes). */
  readonly pods: readonly string[];
}

/** What one targetRef means for a data plane; `undefined` for endpoints that name no Pod. */
function verdictFor(ref: { kind?: string; namespace?: string; name?: string } | undefined, namespace: string, verdictOf: (key: string) => PodVerdict, pods: string[]): PodVerdict | undefined {
  if (!ref || ref.kind !== 'Pod' || !ref.name) return undefined;
  const key = `${ref.namespace || namespace}/${ref.name}`;
  pods.push(key);
  return verdictOf(key);
}

function annotated<T extends { metadata?: { annotations?: Record<string, string> } }>(obj: T, simulated: number): T {
  if (simulated === 0) return obj;
  return { ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata?.annotations, [SIMULATED_ENDPOINTS_ANNOTATION]: String(simulated) } } };
}

/**
 * An EndpointSlice as data planes may use it: endpoints whose targetRef names a simulated Pod are
 * left out (nothing runs behind their address, which exists on no machine), and so are endpoints
 * naming a Pod the store does not hold: the Pod may be one not yet seen, or a simulated one just
 * deleted while the slice still lists it, and an address that might have nothing behind it gets
 * no packet. Endpoints without a Pod targetRef (hand-written, mirrored from Endpoints) are kept.
 * The copy counts the simulated ones in annotation svcnet.io/simulated-endpoints. Pure.
 */
export function dataPlaneSlice(slice: EndpointSlice, verdictOf: (podKey: string) => PodVerdict): DataPlaneView<EndpointSlice> {
  const ns = slice.metadata?.namespace ?? 'default';
  const pods: string[] = [];
  let simulated = 0;
  let unknownPods = 0;
  const endpoints = slice.endpoints ?? [];
  const kept = endpoints.filter((ep) => {
    const v = verdictFor(ep.targetRef, ns, verdictOf, pods);
    if (v === 'simulated') simulated++;
    else if (v === 'unknown') unknownPods++;
    return v !== 'simulated' && v !== 'unknown';
  });
  if (kept.length === endpoints.length) return { object: slice, simulated, unknownPods, pods };
  return { object: annotated({ ...slice, endpoints: kept }, simulated), simulated, unknownPods, pods };
}

/** dataPlaneSlice for a v1 Endpoints object (ready and not-ready addresses alike). Pure. */
export function dataPlaneEndpoints(ep: Endpoints, verdictOf: (podKey: string) => PodVerdict): DataPlaneView<Endpoints> {
  const ns = ep.metadata?.namespace ?? 'default';
  const pods: string[] = [];
  let simulated = 0;
  let unknownPods = 0;
  let changed = false;
  const keep = (a: { targetRef?: { kind?: string; namespace?: string; name?: string } }) => {
    const v = verdictFor(a.targetRef, ns, verdictOf, pods);
    if (v === 'simulated') simulated++;
    else if (v === 'unknown') unknownPods++;
    const ok = v !== 'simulated' && v !== 'unknown';
    if (!ok) changed = true;
    return ok;
  };
  const subsets = (ep.subsets ?? []).map((s) => ({ ...s, addresses: (s.addresses ?? []).filter(keep), notReadyAddresses: (s.notReadyAddresses ?? []).filter(keep) }));
  if (!changed) return { object: ep, simulated, unknownPods, pods };
  return { object: annotated({ ...ep, subsets }, simulated), simulated, unknownPods, pods };
}

/**
 * A Pod's verdict from a cache: unknown when absent. `backed`: a simulated Pod whose address this
 * process has made real (the agent's --simulate-backends: the address on this machine, an echo
 * server behind it) is usable here, and only here.
 */
export function podVerdict(pod: Pod | undefined, backed?: (pod: Pod) => boolean): PodVerdict {
  if (!pod) return 'unknown';
  if (!isSimulatedPod(pod)) return 'real';
  return backed?.(pod) ? 'real' : 'simulated';
}
