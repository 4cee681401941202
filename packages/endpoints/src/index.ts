// @svcnet/endpoints: the Service controllers that write back to the store, as kube-controller-manager's:
// Services x Pods -> Endpoints and EndpointSlices, and LoadBalancer addresses from pools.
export * from './core/index.js';
export { SelectorIndex } from './view/selectorIndex.js';
export { EndpointsController, DEFAULT_LEASE_NAME, InvalidPodIPError } from './runner/endpointsController.js';
export type { EndpointsControllerOptions, EndpointsControllerStats } from './runner/endpointsController.js';
export { WorkQueue } from './runner/workQueue.js';
export { LoadBalancerController } from './loadbalancer/loadBalancerController.js';
export type { LoadBalancerControllerOptions, LoadBalancerLease } from './loadbalancer/loadBalancerController.js';
export { assignedAddresses, planLoadBalancers } from './loadbalancer/loadBalancerPlan.js';
export type { LoadBalancerChange, LoadBalancerProblem } from './loadbalancer/loadBalancerPlan.js';
