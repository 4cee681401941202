import { createRequire } from 'node:module';
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { joinHostPort } from '@svcnet/model';

let ioredis: typeof import('ioredis') | undefined;

/**
 * ioredis, loaded with the first connection rather than with @svcnet/store: programs that use only
 * the MemoryStore (every `svcnet render`) do not pay for it.
 */
function client(): typeof import('ioredis') {
  return (ioredis ??= createRequire(import.meta.url)('ioredis') as typeof import('ioredis'));
}

/** Whether a client is a Redis Cluster client (no INFO on one node of it). */
export function isCluster(c: RedisClient): c is Cluster {
  return ioredis !== undefined && c instanceof ioredis.Cluster;
}

/** How to reach Redis: a URL, plus ioredis options passed through (Sentinel, TLS details, timeouts). */
export interface RedisConnectionOptions {
  /** `redis://[user:pass@]host[:port][/db]`, `rediss://...` (TLS) or `unix:///path/to/redis.sock[?db=N]`. */
  url?: string;
  /** Merged over what the URL says; e.g. `{ sentinels: [{ host, port }], name: 'mymaster' }` for Sentinel. */
  redis?: RedisOptions;
  /** Redis Cluster: startup nodes and ioredis ClusterOptions; the URL is then ignored. */
  cluster?: { nodes: ClusterNode[]; options?: ClusterOptions };
}

export type RedisClient = Redis | Cluster;

/** ioredis options from a store URL; throws a message naming the accepted forms on anything else. */
export function redisOptionsFromUrl(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`redis store: cannot parse URL "${url}": use redis://host:port/db, rediss://host:port/db or unix:///path/to/redis.sock`);
  }
  const auth: RedisOptions = {};
  if (u.username) auth.username = decodeURIComponent(u.username);
  if (u.password) auth.password = decodeURIComponent(u.password);
  if (u.protocol === 'unix:' || u.protocol === 'redis+unix:') {
    const db = u.searchParams.get('db');
    return { ...auth, path: decodeURIComponent(u.pathname), ...(db ? { db: Number(db) } : {}) };
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new Error(`redis store: unsupported scheme "${u.protocol}" in "${url}": use redis://, rediss:// or unix://`);
  }
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new Error(`redis store: database "${u.pathname.slice(1)}" in "${url}" is not a number`);
  return {
    ...auth,
    host,
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.protocol === 'rediss:' ? { tls: { servername: host } } : {}),
  };
}

/** A printable address without the password. */
export function describeConnection(c: RedisConnectionOptions): string {
  if (c.cluster) return `redis-cluster://${c.cluster.nodes.map((n) => (typeof n === 'object' ? `${n.host}:${n.port}` : String(n))).join(',')}`;
  if (c.redis?.sentinels) return `redis-sentinel://${c.redis.name ?? 'mymaster'}`;
  if (!c.url) return 'redis://127.0.0.1:6379/0';
  try {
    const u = new URL(c.url);
    u.password = '';
    return u.toString();
  } catch {
    return c.url;
  }
}

/** Where a connection goes, as people write it: `127.0.0.1:6379`, `/run/redis.sock`, the cluster's nodes. */
export function redisAddress(c: RedisConnectionOptions): string {
  if (c.cluster || c.redis?.sentinels || !c.url) return describeConnection(c);
  try {
    const o = redisOptionsFromUrl(c.url);
    return o.path ?? joinHostPort(String(o.host), String(o.port));
  } catch {
    return c.url;
  }
}

/** An error that says nothing listens at the address (or it does not exist), as opposed to a slow or lost connection. */
export function isRefusal(e: Error): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'ENOTFOUND' || code === 'EACCES' || /WRONGPASS|NOAUTH/.test(e.message);
}

/** A connection error in a few words (`connection refused`), from ioredis's or the socket's error. */
export function connectionProblem(e: Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOENT: 'no such socket file',
    EACCES: 'permission denied',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ENOTFOUND: 'unknown host',
    ECONNRESET: 'connection reset',
  };
  if (code && words[code]) return words[code];
  if (/WRONGPASS|NOAUTH|invalid username-password/i.test(e.message)) return `authentication failed (${e.message.split('\n')[0]})`;
  return e.message.split('\n')[0] ?? String(e);
}

export function connect(c: RedisConnectionOptions, extra: RedisOptions = {}): RedisClient {
  if (c.cluster) {
    return new (client().Cluster)(c.cluster.nodes, { ...c.cluster.options, redisOptions: { ...c.cluster.options?.redisOptions, ...extra } });
  }
  const base = c.url ? redisOptionsFromUrl(c.url) : {};
  return new (client().Redis)({ ...base, ...c.redis, ...extra });
}
