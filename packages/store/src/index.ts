// @svcnet/store: revisioned Kubernetes objects shared by every svcnet component.
export { StoreError, isStoreError } from './errors.js';
export type { StoreErrorCode } from './errors.js';
export type * from './types.js';
