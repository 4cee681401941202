export { ManifestError } from './errors.js';
export type { ManifestErrorCode } from './errors.js';
export { MANIFEST_KINDS, apiVersionProblem, isOtherKind } from './kinds.js';
export { parseManifests } from './parse.js';
export type { ManifestLimits, ManifestObject, ManifestParseResult, SkippedDocument } from './parse.js';
export { MAX_MANIFEST_FILE_BYTES, STDIN_PATH, loadManifests, manifestFiles } from './load.js';
export type { ManifestReadOptions } from './load.js';
export { unknownFields } from './unknownFields.js';
