import { RedisServer, describeWith, redisServer } from '@svcnet/testkit';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { RedisStore, isStoreError, listAndWatch, type Informer, type Store, type StoreLogger } from '../src/index.js';
import type { Service } from '@svcnet/model';
import { eventually, observedWatch, service, versions } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quiet: StoreLogger = { error: () => undefined, warn: () => undefined };

/** Writes until stopped, retrying through outages; returns how many writes were acknowledged. */
function writeLoop(store: Store, names: number): { stop: () => Promise<number> } {
  let running = true;
  let acked = 0;
  const done = (async () => {
    for (let i = 0; running && i < 100_000; i++) {
      try {
        await store.apply(service(`w-${i % names}`, { ports: [{ port: 1 + (i % 1000) }] }));
        acked++;
      } catch (e) {
        if (!isStoreError(e, 'Unavailable')) throw e;
        await sleep(20);
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return acked;
    },
  };
}

async function converged(inf: Informer<Service>, store: Store): Promise<boolean> {
  return eventually(async () => {
    const want = JSON.stringify(versions((await store.list('Service')).items));
    return JSON.stringify(versions(inf.list())) === want;
  }, 15_000);
}

describeWith('RedisStore faults', [redisServer], () => {
  let server: RedisServer;
  let n = 0;
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  const open = (extra: object = {}) => {
    const s = new RedisStore({ url: server.url, keyPrefix: `f${n}:`, logger: quiet, ...extra });
    cleanup.push(() => s.close());
    return s;
  };
  const admin = () => {
    const r = new Redis({ path: server.socketPath, lazyConnect: false });
    r.on('error', () => undefined);
    cleanup.push(() => r.disconnect());
    return r;
  };
  beforeAll(async () => {
    // appendfsync always: with the default everysec, redis-server may postpone its AOF write while
    // an fsync is slow and still reply, so an acknowledged write can miss a SIGKILL (a CI run lost one).
    server = await RedisServer.start({ args: ['--appendonly', 'yes', '--appendfsync', 'always', '--stream-node-max-entries', '10'] });
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
    n++;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('converges after redis-server is killed and restarted mid-watch with writes going on', async () => {
    const writer = open();
    const { store: reader, expired } = observedWatch(open());
    const inf = listAndWatch(reader, 'Service', { bookmarkIntervalMs: 100, backoffMs: { min: 20, max: 200 } });
    cleanup.push(() => inf.stop());
    await inf.synced;
    const loop = writeLoop(writer, 25);
    await sleep(300);
    const before = await writer.list('Service');
    await server.kill('SIGKILL');
    await sleep(200);
    await server.start();
    await sleep(500);
    const acked = await loop.stop();
    expect(acked).toBeGreaterThan(0);
    expect(await converged(inf, writer)).toBe(true);
    // Writes went on after the restart, and the watch noticed the new server (run id) and relisted.
    expect((await writer.list('Service')).revision).toBeGreaterThan(before.revision);
    expect(expired()).toBeGreaterThan(0);
    // And it keeps following after the restart.
    await writer.apply(service('after-restart'));
    expect(await eventually(() => inf.get('default/after-restart') !== undefined)).toBe(true);
  });

  it('answers Expired to a watch from a list made before a restart', async () => {
    const store = open();
    await store.create(service('a'));
    const listed = await store.list('Service');
    await server.kill('SIGKILL');
    await server.start();
    await store.create(service('b'));
    const ac = new AbortController();
    const err = await (async () => {
      for await (const e of store.watch('Service', { fromRevision: listed.revision, signal: ac.signal })) void e;
    })().catch((e: unknown) => e);
    ac.abort();
    expect(isStoreError(err, 'Expired')).toBe(true);
  });

  it('converges after the server drops every client connection (CLIENT KILL)', async () => {
    const writer = open();
    const inf = listAndWatch(open(), 'Service', { bookmarkIntervalMs: 100, backoffMs: { min: 20, max: 200 } });
    cleanup.push(() => inf.stop());
    await inf.synced;
    const loop = writeLoop(writer, 10);
    await sleep(200);
    const r = admin();
    await r.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await sleep(200);
    await r.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await sleep(200);
    await loop.stop();
    expect(await converged(inf, writer)).toBe(true);
  });

  it('relists when history is trimmed under a slow watcher', async () => {
    const writer = open();
    const reader = open();
    // A consumer that takes 30 ms per event, so the stream moves on without it.
    const { store: slow, expired } = observedWatch(reader, 30);
    const inf = listAndWatch(slow, 'Service', { bookmarkIntervalMs: 100 });
    cleanup.push(() => inf.stop());
    await inf.synced;
    const r = admin();
    for (let i = 0; i < 40; i++) await writer.apply(service(`t-${i % 15}`, { ports: [{ port: 100 + i }] }));
    await r.xtrim(`f${n}:{svc}:events`, 'MAXLEN', 0);
    for (let i = 40; i < 60; i++) await writer.apply(service(`t-${i % 15}`, { ports: [{ port: 100 + i }] }));
    expect(await converged(inf, writer)).toBe(true);
    expect(expired()).toBeGreaterThan(0);
  });

  it('relists when the data set is replaced (FLUSHALL: a restart without persistence)', async () => {
    const writer = open();
    const { store: reader, expired } = observedWatch(open());
    const inf = listAndWatch(reader, 'Service', { bookmarkIntervalMs: 50 });
    cleanup.push(() => inf.stop());
    for (let i = 0; i < 5; i++) await writer.create(service(`x-${i}`));
    await inf.synced;
    expect(await converged(inf, writer)).toBe(true);
    await admin().flushall();
    await writer.create(service('fresh'));
    expect(await converged(inf, writer)).toBe(true);
    expect(inf.list().map((s) => s.metadata?.name)).toEqual(['fresh']);
    expect(expired()).toBeGreaterThan(0);
  });

  it('reports each op of a batch cut by a restart, applies none twice, and a retry completes it', async () => {
    // 3,000 applies of one kind: 12 script calls that redis-server runs one after another; the
    // server is killed once it has run some of them and not all (AOF on: what it acknowledged stays).
    const store = open();
    const r = admin();
    const ops = Array.from({ length: 3000 }, (_, i) => ({ op: 'apply' as const, object: { ...service(`b-${i}`), kind: 'Endpoints' as const, spec: undefined, subsets: [{ addresses: [{ ip: `10.1.${i >> 8}.${i & 255}` }], ports: [{ port: 80 }] }], metadata: { name: `b-${i}`, namespace: 'default', annotations: { id: `first-${i}` } } } }));
    const pending = store.batch(ops);
    let atKill = 0;
    for (let i = 0; i < 5000 && atKill === 0; i++) atKill = Number(await r.get(`f${n}:{ep}:rev`));
    await server.kill('SIGKILL');
    await server.start();
    const results = await pending;
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(ops.length);
    const failed = results.flatMap((res, i) => (res.ok ? [] : [i]));
    for (const i of failed) expect(isStoreError((results[i] as { error: Error }).error, 'Unavailable')).toBe(true);
    // Every op reported done is stored; none is in the stream twice.
    const stored = new Map((await store.list('Endpoints')).items.map((e) => [e.metadata!.name!, e.metadata?.annotations?.['id']]));
    results.forEach((res, i) => res.ok && expect(stored.get(`b-${i}`)).toBe(`first-${i}`));
    const entries = await r.xrange(`f${n}:{ep}:events`, '-', '+');
    const names = entries.map(([, f]) => (JSON.parse(f[f.indexOf('o') + 1]!) as { metadata: { name: string } }).metadata.name);
    expect(names.length).toBe(new Set(names).size);
    // The ops that failed, retried, complete it.
    const retried = await store.batch(failed.map((i) => ops[i]!));
    expect(retried.every((res) => res.ok)).toBe(true);
    expect((await store.list('Endpoints')).items).toHaveLength(ops.length);
    console.info(`[figures] batch cut by a restart: ${atKill} of ${ops.length} applied when killed, ${failed.length} reported Unavailable`);
  });

  it('skips objects it cannot decode, with a logged error, instead of failing the read', async () => {
    const logged: string[] = [];
    const store = open({ logger: { error: (_o: object, msg: string) => logged.push(msg), warn: () => undefined } });
    await store.create(service('good'));
    const r = admin();
    await r.hset(`f${n}:{svc}:objs`, 'default/raw', '{not json');
    await r.hset(`f${n}:{svc}:objs`, 'default/wrongkind', JSON.stringify({ kind: 'Pod', metadata: { name: 'wrongkind', resourceVersion: '9' } }));
    const list = await store.list('Service');
    expect(list.items.map((s) => s.metadata?.name)).toEqual(['good']);
    expect(await store.get('Service', 'default', 'raw')).toBeUndefined();
    expect(logged.some((m) => m.includes('not JSON'))).toBe(true);
    expect(logged.some((m) => m.includes('kind is "Pod"'))).toBe(true);
  });
});
