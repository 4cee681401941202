import { MemoryStore, type MemoryStoreOptions } from './memoryStore.js';
import { redisOptionsFromUrl } from './redis/connection.js';
import { RedisStore, type RedisStoreOptions } from './redis/redisStore.js';
import type { NodeStatusStore, Store } from './types.js';

/** Options for either store; Redis-only ones are ignored by the memory store. */
export type OpenStoreOptions = MemoryStoreOptions & Omit<RedisStoreOptions, 'url'>;

/**
 * A store by URL: undefined or 'memory' gives a MemoryStore; `redis://[user:pass@]host:port/db`,
 * `rediss://` (TLS) and `unix:///path/to/redis.sock` give a RedisStore.
 */
export function openStore(url?: string, options: OpenStoreOptions = {}): Store & NodeStatusStore {
  return checkStoreUrl(url) === 'memory' ? new MemoryStore(options) : new RedisStore({ ...options, url });
}

/**
 * Which store a URL names, without connecting; throws an Error that lists the accepted forms when it
 * names none (for flag checks before anything starts).
 */
export function checkStoreUrl(url?: string): 'memory' | 'redis' {
  if (url === undefined || url === '' || url === 'memory' || url === 'memory:') return 'memory';
  if (/^(rediss?|unix|redis\+unix):/.test(url)) {
    redisOptionsFromUrl(url);
    return 'redis';
  }
  throw new Error(`unsupported store URL "${url}": use "memory", redis://host:port/db, rediss://host:port/db or unix:///path/to/redis.sock`);
}

/**
 * openStore, then wait until the store can serve: a Redis store must answer within `timeoutMs`
 * (default 5 s), or this closes it and throws StoreError('Unavailable') with one line naming the
 * address and the cause. What a command-line tool wants instead of retrying for ever.
 */
export async function connectStore(url?: string, options: OpenStoreOptions & { timeoutMs?: number } = {}): Promise<Store & NodeStatusStore> {
  const store = openStore(url, options);
  if (store instanceof RedisStore) {
    try {
      await store.ready(options.timeoutMs);
    } catch (e) {
      store.disconnect();
      throw e;
    }
  }
  return store;
}
