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
  nft,
  openssl,
  redisServer,
  requireAll,
  root,
} from './requirements.js';
export type { Requirement } from './requirements.js';
export { RedisServer } from './redisServer.js';
export type { RedisServerOptions } from './redisServer.js';
export { NetNs, run, vethPair } from './netns.js';
