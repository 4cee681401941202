import type { Endpoint, EndpointSlice } from './objects.js';
import { LABEL_SERVICE_NAME } from './wellKnown.js';

/**
 * `namespace/name` of the Service an EndpointSlice belongs to (its kubernetes.io/service-name
 * label), or undefined when the slice has none: the endpointslice controllers' ServiceControllerKey
 * and kube-proxy's ServicePortName prefix. Slices without the label belong to no Service.
 */
export function sliceServiceKey(slice: EndpointSlice): string | undefined {
  const name = slice.metadata?.labels?.[LABEL_SERVICE_NAME];
  return name ? `${slice.metadata?.namespace ?? 'default'}/${name}` : undefined;
}

/** An endpoint's conditions as consumers read them (below). */
export interface EndpointState {
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
}

/**
 * Whether an endpoint is ready: discovery/v1 EndpointConditions says a nil `ready` is unknown and
 * consumers should treat it as ready, so only an explicit false is not.
 */
export function isEndpointReady(ep: Endpoint): boolean {
  return ep.conditions?.ready !== false;
}

/**
 * ready/serving/terminating with the API's defaults, as kube-proxy reads them
 * (pkg/proxy/endpointslicecache.go: `Ready: ready == nil || *ready`, `Serving: serving == nil ||
 * *serving`, `Terminating: terminating != nil && *terminating`).
 */
export function endpointState(ep: Endpoint): EndpointState {
  const c = ep.conditions;
  return {
    ready: c?.ready === undefined || c.ready === null || c.ready,
    serving: c?.serving === undefined || c.serving === null || c.serving,
    terminating: c?.terminating === true,
  };
}
