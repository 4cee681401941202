import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memoryStore.js';
import { openStore } from './openStore.js';
import { RedisStore } from './redis/redisStore.js';

describe('openStore', () => {
  it('opens a MemoryStore by default and a RedisStore for redis URLs', async () => {
    expect(openStore()).toBeInstanceOf(MemoryStore);
    expect(openStore('memory')).toBeInstanceOf(MemoryStore);
    const r = openStore('redis://127.0.0.1:1/0', { redis: { lazyConnect: true } });
    expect(r).toBeInstanceOf(RedisStore);
    expect(r.description).toBe('redis://127.0.0.1:1/0');
    await r.close();
  });

  it('names the accepted forms for anything else', () => {
    expect(() => openStore('etcd://x')).toThrow(/use "memory", redis:\/\/host:port\/db/);
  });
});
