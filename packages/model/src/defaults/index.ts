// Defaulting as the API server's SetDefaults_* functions (and the Service registry's preparation).
export { setDefaults, applyDefaults } from './setDefaults.js';
export type { DefaultsOptions, ObjectInput } from './setDefaults.js';
export { DEFAULT_CLIENT_IP_AFFINITY_SECONDS } from './service.js';
export { externallyAccessible, needsClusterIP, needsHealthCheck, needsNodePort } from './serviceNeeds.js';
