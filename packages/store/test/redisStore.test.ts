import { RedisServer, describeWith, redisServer } from '@svcnet/testkit';
import { afterAll, beforeAll } from 'vitest';
import { RedisStore } from '../src/index.js';
import { storeContract } from './contract.js';
import type { TestStore } from './helpers.js';

describeWith('RedisStore contract', [redisServer], () => {
  let server: RedisServer;
  let n = 0;
  const prefixes = new WeakMap<TestStore, { prefix: string; options: object }>();
  beforeAll(async () => {
    // Small stream nodes so that MAXLEN ~ trims close to the limit in the Expired tests.
    server = await RedisServer.start({ args: ['--stream-node-max-entries', '10'] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  storeContract({
    open: async (o = {}) => {
      const prefix = `t${++n}:`;
      const options = { ...o, url: server.url, keyPrefix: prefix };
      const s = new RedisStore(options);
      prefixes.set(s, { prefix, options });
      return s;
    },
    peer: async (s) => {
      const p = new RedisStore(prefixes.get(s)!.options);
      prefixes.set(p, prefixes.get(s)!);
      return p;
    },
  });
});
