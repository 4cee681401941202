import { MemoryStore, type MemoryStoreOptions } from './memoryStore.js';
import { RedisStore, type RedisStoreOptions } from './redis/redisStore.js';
import type { NodeStatusStore, Store } from './types.js';

/** Options for either store; Redis-only ones are ignored by the memory store. */
export type OpenStoreOptions = MemoryStoreOptions & Omit<RedisStoreOptions, 'url'>;

/**
 * A store by URL: undefined or 'memory' gives a MemoryStore; `redis://[user:pass@]host:port/db`,
 * `rediss://` (TLS) and `unix:///path/to/redis.sock` give a RedisStore.
 */
export function openStore(url?: string, options: OpenStoreOptions = {}): Store & NodeStatusStore {
  if (url === undefined || url === '' || url === 'memory' || url === 'memory:') return new MemoryStore(options);
  if (/^(rediss?|unix|redis\+unix):/.test(url)) return new RedisStore({ ...options, url });
  throw new Error(`openStore: unsupported store URL "${url}": use "memory", redis://host:port/db, rediss://host:port/db or unix:///path/to/redis.sock`);
}
