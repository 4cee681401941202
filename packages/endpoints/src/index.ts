// @svcnet/endpoints: Services x Pods -> Endpoints and EndpointSlices, as upstream's controllers.
export * from './core/index.js';
export { SelectorIndex } from './view/selectorIndex.js';
export { EndpointsController, DEFAULT_LEASE_NAME, InvalidPodIPError } from './runner/endpointsController.js';
export type { EndpointsControllerOptions, EndpointsControllerStats } from './runner/endpointsController.js';
export { WorkQueue } from './runner/workQueue.js';
