// The contract suite on a real Redis Cluster (3 primaries, 3 replicas, loopback ports; started once
// for this file), then a primary's failover under writers: the slot of the kind written moves to
// the replica, writes go on, and an informer converges to what the cluster holds.
import { RedisCluster, describeWith, redisCli, redisServer } from '@svcnet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore, isStoreError, listAndWatch, type StoreLogger } from '../src/index.js';
import { storeContract } from './contract.js';
import { eventually, observedWatch, versions, type TestStore } from './helpers.js';

const quiet: StoreLogger = { error: () => undefined, warn: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeWith('RedisStore on Redis Cluster', [redisServer, redisCli], () => {
  let cluster: RedisCluster;
  let n = 0;
  const options = new WeakMap<TestStore, object>();
  beforeAll(async () => {
    cluster = await RedisCluster.start({ primaries: 3, replicas: 1, nodeTimeoutMs: 1000, args: ['--stream-node-max-entries', '10'] });
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  const openOn = (o: object = {}, keyPrefix = `c${++n}:`) => {
    const opts = { ...o, cluster: { nodes: cluster.startupNodes }, keyPrefix, logger: quiet };
    const s = new RedisStore(opts);
    options.set(s, opts);
    return s;
  };

  describe('contract', () => {
    storeContract({
      open: async (o = {}) => openOn(o),
      peer: async (s) => {
        const p = new RedisStore(options.get(s)!);
        options.set(p, options.get(s)!);
        return p;
      },
    });
  });

  // The same contract with every write acknowledged by the shard's replica (WAIT per slot).
  describe('contract, minReplicas 1', () => {
    storeContract({
      open: async (o = {}) => openOn({ ...o, minReplicas: 1, replicaTimeoutMs: 5000 }),
      peer: async (s) => {
        const p = new RedisStore(options.get(s)!);
        options.set(p, options.get(s)!);
        return p;
      },
    });
  });

  it('spreads kinds over the shards: each kind on the node serving its hash tag', async () => {
    const owners = await Promise.all(['{svc}', '{pod}', '{eps}', '{ep}', '{node}', '{lease}'].map((k) => cluster.primaryOf(k)));
    expect(new Set(owners).size).toBeGreaterThan(1);
  });

  it('keeps writing through a primary failover, and an informer converges', async () => {
    const writerStore = openOn({}, 'failover:');
    const { store: reader, expired } = observedWatch(openOn({}, 'failover:'));
    const inf = listAndWatch(reader, 'Pod', { bookmarkIntervalMs: 100, backoffMs: { min: 50, max: 500 } });
    await inf.synced;
    let running = true;
    let acked = 0;
    let retried = 0;
    const loop = (async () => {
      for (let i = 0; running && i < 20_000; i++) {
        const pod = { apiVersion: 'v1' as const, kind: 'Pod' as const, metadata: { name: `f-${i % 50}`, namespace: 'default', annotations: { i: String(i) } }, spec: { containers: [{ name: 'c', image: 'x' }] } };
        try {
          await writerStore.apply(pod);
          acked++;
        } catch (e) {
          if (!isStoreError(e, 'Unavailable') && !(e as Error).message.includes('CLUSTERDOWN')) throw e;
          retried++;
          await sleep(50);
        }
      }
    })();
    await sleep(500);
    const victim = await cluster.primaryOf('{pod}');
    await cluster.kill(victim);
    // The replica takes the slots over after the node timeout (1 s) and an election.
    await eventually(async () => (await cluster.primaryOf('{pod}').catch(() => victim)) !== victim, 20_000);
    const before = acked;
    expect(await eventually(() => acked > before + 20, 20_000)).toBe(true);
    running = false;
    await loop;
    const listed = await writerStore.list('Pod');
    expect(await eventually(() => JSON.stringify(versions(inf.list())) === JSON.stringify(versions(listed.items)), 15_000)).toBe(true);
    // The watch saw the slot move to another server (another run id) and relisted.
    expect(expired()).toBeGreaterThan(0);
    console.info(`[figures] cluster failover: ${acked} writes acknowledged, ${retried} retried while the slot moved`);
    inf.stop();
    await cluster.restart(victim);
    await writerStore.close();
    await reader.close();
  });
});
