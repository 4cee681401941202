export { ManifestError } from './errors.js';
export type { ManifestErrorCode } from './errors.js';
export { MANIFEST_KINDS, apiVersionProblem } from './kinds.js';
export { parseManifests } from './parse.js';
export type { ManifestLimits, ManifestObject, ManifestParseResult } from './parse.js';
export { loadManifests, manifestFiles } from './load.js';
