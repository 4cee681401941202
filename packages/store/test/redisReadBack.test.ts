// Issue 22: objects read back from Redis pass the same shape check as those written. A value put
// into Redis around the store (raw HSET/XADD, by anyone holding its credentials) that admission
// would never have let through is skipped and logged: list, get and watch never deliver it, and
// the watch carries on with the writes after it.
import { RedisServer, describeWith, redisServer } from '@svcnet/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisStore, listAndWatch, type StoreLogger } from '../src/index.js';
import { eventually, service, take } from './helpers.js';

const PREFIX = 'rb:';
const KEYS = `${PREFIX}{svc}`;

/** The Service as a raw write would leave it: the shape is wrong where the rules read it. */
const MALFORMED: ReadonlyArray<{ name: string; text: string }> = [
  { name: 'ingress not a list', text: '{"apiVersion":"v1","kind":"Service","metadata":{"name":"raw-1","namespace":"default","resourceVersion":"1"},"spec":{"type":"LoadBalancer","ports":[{"port":80}]},"status":{"loadBalancer":{"ingress":"127.0.0.1"}}}' },
  { name: 'ingress ip a number', text: '{"apiVersion":"v1","kind":"Service","metadata":{"name":"raw-2","namespace":"default","resourceVersion":"1"},"spec":{"type":"LoadBalancer","ports":[{"port":80}]},"status":{"loadBalancer":{"ingress":[{"ip":2130706433}]}}}' },
  { name: 'ports an object', text: '{"apiVersion":"v1","kind":"Service","metadata":{"name":"raw-3","namespace":"default","resourceVersion":"1"},"spec":{"ports":{"port":80},"clusterIP":"10.96.0.3"}}' },
];

describeWith('RedisStore read-back shape check', [redisServer], () => {
  let server: RedisServer;
  let store: RedisStore;
  let raw: Redis;
  const logged: string[] = [];
  const logger: StoreLogger = { error: (_o, msg) => logged.push(msg), warn: () => undefined };

  beforeAll(async () => {
    server = await RedisServer.start();
    raw = new Redis({ path: server.socketPath });
    store = new RedisStore({ url: server.url, keyPrefix: PREFIX, logger });
  });
  afterAll(async () => {
    await store?.close();
    raw?.disconnect();
    await server?.stop();
  });

  it('skips malformed stored objects in list and get, and malformed events in a watch that carries on', async () => {
    await store.create(service('good-1'));
    for (const m of MALFORMED) await raw.hset(`${KEYS}:objs`, `default/${m.text.match(/"name":"([^"]+)"/)![1]}`, m.text);
    const listed = await store.list('Service');
    expect(listed.items.map((o) => o.metadata?.name)).toEqual(['good-1']);
    expect(await store.get('Service', 'default', 'raw-1')).toBeUndefined();
    expect(logged.filter((m) => /skipping Service .*status\.loadBalancer\.ingress: Invalid value: "127\.0\.0\.1": must be a list/.test(m))).toHaveLength(2);

    // An informer from that list, then malformed events appended between good writes.
    const inf = listAndWatch(store, 'Service', { bookmarkIntervalMs: 50 });
    await inf.synced;
    const from = listed.revision;
    for (const m of MALFORMED) {
      const rev = await raw.incr(`${KEYS}:rev`);
      await raw.xadd(`${KEYS}:events`, `${rev}-0`, 't', 'ADDED', 'o', m.text.replace('"resourceVersion":"1"', `"resourceVersion":"${rev}"`));
    }
    await store.create(service('good-2'));
    const events = await take(store, 'Service', from, 1);
    expect(events.map((e) => (e.type === 'BOOKMARK' ? e.type : `${e.type} ${e.object.metadata?.name} ${e.revision}`))).toEqual([`ADDED good-2 ${from + MALFORMED.length + 1}`]);
    expect(await eventually(() => inf.list().map((o) => o.metadata?.name).sort().join() === 'good-1,good-2')).toBe(true);
    expect(inf.list().some((o) => o.status?.loadBalancer !== undefined)).toBe(false);
    inf.stop();
    expect(logged.filter((m) => m.includes(`${KEYS}:events`))).toHaveLength(MALFORMED.length * 2);
  });
});
