// Validation as the API server's ValidateService and friends: field paths and upstream's wording.
export { admit, validateObject } from './validateObject.js';
export { shapeErrors } from './shape.js';
export type { AdmitOptions, ValidationOptions } from './validateObject.js';
export { validateService, validateServiceCreate, validateServiceUpdate, validatePortNumOrName } from './service.js';
export type { ServiceValidationOptions } from './service.js';
export { isHeadlessService, validateServiceClusterIPsRelatedFields } from './serviceClusterIPs.js';
export { validateEndpoints } from './endpoints.js';
export { validateEndpointAddresses } from './endpointAddresses.js';
export { validateLoadBalancerStatus, validateServiceStatus } from './serviceStatus.js';
export { validateEndpointSlice, MAX_ENDPOINTS_PER_SLICE, MAX_PORTS_PER_SLICE, MAX_ADDRESSES_PER_ENDPOINT } from './endpointSlice.js';
export { validateIngress, validateIngressClass } from './ingress.js';
export { validatePod } from './pod.js';
export { validateNode } from './node.js';
export { validateSecret } from './secret.js';
export {
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateLabels,
  validateAnnotations,
  validateDNS1123Label,
  validateDNS1123Subdomain,
  validateQualifiedName,
} from './objectMeta.js';
export { isValidIP, isValidCIDR, validateNonSpecialIP } from './ipRules.js';
export {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isWildcardDNS1123Subdomain,
  isValidPortName,
  isValidPortNum,
  isQualifiedName,
  isValidLabelValue,
  isConfigMapKey,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
} from './names.js';
export type { NameValidator } from './names.js';
