export * from './constants.js';
export { desiredEndpoints, planEndpoints, computeSubsets, selectPods, podToEndpointAddress, endpointPortFromServicePort } from './desiredEndpoints.js';
export type { EndpointsOptions, EndpointsPlan } from './desiredEndpoints.js';
export { repackSubsets, sortSubsets, compareEndpointAddress } from './repackSubsets.js';
export { truncateSubsets, capacityAnnotationSetCorrectly } from './truncate.js';
export { reconcileSlices } from './sliceReconciler.js';
export type { SliceReconcileOptions, SliceChanges } from './sliceReconciler.js';
export { podToEndpoint, endpointPortsFor, sliceLabels } from './sliceBuilders.js';
export {
  selectorMatches,
  hasSelector,
  isReconciledService,
  isPodReady,
  shouldPodBeInEndpoints,
  podIPProblem,
  shouldSetHostname,
  findPort,
  isServiceIPSet,
  addressTypesForService,
} from './podRules.js';
export { semanticEqual, canonicalJSON } from './semantic.js';
export { TriggerTimeTracker } from './triggerTimeTracker.js';
export { formatRFC3339Nano } from './time.js';
