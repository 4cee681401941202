export {
  binary,
  curl,
  describeWith,
  dig,
  hostAddress,
  hostIPv4,
  iptablesRestore,
  missing,
  netns,
  nodeFeature,
  nft,
  openssl,
  redisCli,
  redisServer,
  requireAll,
  reusePort,
  root,
} from './requirements.js';
export type { Requirement } from './requirements.js';
export { RedisServer } from './redisServer.js';
export { RedisCluster, freePort } from './redisCluster.js';
export type { ClusterNode, RedisClusterOptions } from './redisCluster.js';
export type { RedisServerOptions } from './redisServer.js';
export { NetNs, run, vethPair } from './netns.js';
export { exposedGc } from './heap.js';
