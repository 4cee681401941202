import { describe, expect, it } from 'vitest';
import { describeConnection, redisOptionsFromUrl } from './connection.js';

describe('redisOptionsFromUrl', () => {
  it.each([
    ['redis://localhost', { host: 'localhost', port: 6379, db: 0 }],
    ['redis://user:p%40ss@redis.example:6380/2', { host: 'redis.example', port: 6380, db: 2, username: 'user', password: 'p@ss' }],
    ['redis://:secret@10.0.0.5', { host: '10.0.0.5', port: 6379, db: 0, password: 'secret' }],
    ['rediss://cache.example:6390/1', { host: 'cache.example', port: 6390, db: 1, tls: { servername: 'cache.example' } }],
    ['redis://[::1]:7000', { host: '::1', port: 7000, db: 0 }],
    ['unix:///tmp/redis.sock', { path: '/tmp/redis.sock' }],
    ['unix:///run/redis/redis.sock?db=3', { path: '/run/redis/redis.sock', db: 3 }],
  ])('%s', (url, want) => {
    expect(redisOptionsFromUrl(url)).toEqual(want);
  });

  it('refuses other schemes and bad databases with the accepted forms', () => {
    expect(() => redisOptionsFromUrl('http://x')).toThrow(/unsupported scheme "http:".*redis:\/\/, rediss:\/\/ or unix:\/\//);
    expect(() => redisOptionsFromUrl('redis://x/abc')).toThrow(/database "abc"/);
    expect(() => redisOptionsFromUrl('not a url')).toThrow(/cannot parse URL/);
  });

  it('describes a connection without its password', () => {
    expect(describeConnection({ url: 'redis://u:secret@h:1/0' })).toBe('redis://u@h:1/0');
    expect(describeConnection({ redis: { sentinels: [{ host: 's', port: 26379 }], name: 'mymaster' } })).toBe('redis-sentinel://mymaster');
  });
});
