// @svcnet/store: revisioned Kubernetes objects shared by every svcnet component.
export { StoreError, isStoreError } from './errors.js';
export type { StoreErrorCode } from './errors.js';
export type * from './types.js';
export { MemoryStore } from './memoryStore.js';
export type { MemoryStoreOptions } from './memoryStore.js';
export { listAndWatch } from './informer.js';
export type { Informer, InformerEvent, ListAndWatchOptions } from './informer.js';
export { checkStoreUrl, connectStore, openStore } from './openStore.js';
export type { OpenStoreOptions } from './openStore.js';
export { silentNodes } from './nodeStatus.js';
export { labelMatcher } from './labelSelector.js';
export type { LabelMatcher, SelectorInput } from './labelSelector.js';
export { RedisStore } from './redis/redisStore.js';
export type { RedisStoreOptions } from './redis/redisStore.js';
export type { RedisConnectionOptions } from './redis/connection.js';
export type { StoreLogger } from './redis/objectCodec.js';
