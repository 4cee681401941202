// @svcnet/model: everything that is true of a Kubernetes networking object on its own.
// Values and types are exported apart; each area has its own module.
export { API_VERSIONS, KINDS, NAMESPACED, controllerRef, isKind, objectKey } from './objects.js';
export type * from './objects.js';
export {
  FieldError,
  FieldPath,
  InvalidObjectError,
  OMIT,
  duplicate,
  forbidden,
  invalid,
  notFound,
  notSupported,
  required,
  tooLong,
  tooMany,
  typeInvalid,
} from './fieldErrors.js';
export type { FieldErrorType } from './fieldErrors.js';
export * from './net/index.js';
export * from './validation/index.js';
export * from './defaults/index.js';
export {
  SELECT_NOTHING,
  SelectorError,
  labelSelectorAsSelector,
  labelSelectorMatches,
  parseSelector,
  selectorFromRequirements,
  selectorMatches,
} from './selectors.js';
export type { Labels, Operator, Requirement, Selector } from './selectors.js';
export * from './allocators/index.js';
export * from './manifests/index.js';
export { envVariableName, isServiceIPSet, podServiceEnvironment, serviceEnvVars, serviceEnvironment } from './env.js';
export * from './tables/index.js';
export { isWorkload, podFromTemplate, validateWorkload } from './workloads.js';
export { SIMULATED_ANNOTATION, SIMULATED_ENDPOINTS_ANNOTATION, isSimulatedPod } from './simulatedPods.js';
export type { Workload } from './workloads.js';
export * from './wellKnown.js';
export { endpointState, isEndpointReady, sliceServiceKey } from './endpointSlices.js';
export type { EndpointState } from './endpointSlices.js';
export { EndpointSet, endpointKey, endpointsEqualBeyondHash, portMapKey, sortPorts } from './endpointSet.js';
export { DEFAULT_MAX_ENDPOINTS_PER_SUBSET, mirroredSlices, reconcileMirroredSlices, shouldMirror } from './mirroring.js';
export type { MirrorOptions } from './mirroring.js';
export { ALPHANUMS, generateName, randomString } from './generatedNames.js';
export { type Random, seededRandom } from './random.js';
export { mapsEqual } from './stringMaps.js';
export { FNV1A_OFFSET, fnv1aBytes, fnv1aStep, fnv32a } from './fnv1a.js';
export { levenshtein } from './levenshtein.js';
export * from './runtime/index.js';
