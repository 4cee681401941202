import type { Upstream } from '../routes/backends.js';
import { EndpointPool } from './endpointPool.js';
import type { EndpointPoolOptions } from './endpointPool.js';

export interface UpstreamPoolOptions {
  /** Keep-alive connections per endpoint (default 128). */
  connectionsPerUpstream?: number;
  connectTimeoutMs?: number;
  /** Time allowed for the response headers (nginx proxy_read_timeout, default 60 s). */
  headersTimeoutMs?: number;
  /** Idle time allowed between response body chunks (default 60 s). */
  bodyTimeoutMs?: number;
  /** How long an idle upstream connection is kept (default 60 s, as ingress-nginx upstream keepalive_timeout). */
  keepAliveTimeoutMs?: number;
}

/** Errors that happen before a request byte reaches the endpoint: safe to retry elsewhere. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UpstreamConnectTimeout', 'ENOTFOUND']);
const TIMEOUTS = new Set(['UpstreamConnectTimeout', 'UpstreamHeadersTimeout', 'UpstreamBodyTimeout']);

export function isConnectError(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code !== undefined && CONNECT_ERRORS.has(code);
}

export function isTimeout(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code !== undefined && TIMEOUTS.has(code);
}

/**
 * A keep-alive connection pool per endpoint (EndpointPool) and a round-robin cursor per backend.
 * Pools of endpoints that left every backend are closed by `retain`; idle connections past their
 * keep-alive time are closed by a sweep once a second.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, EndpointPool>();
  private readonly cursors = new Map<string, number>();
  private readonly options: EndpointPoolOptions;
  private sweep: NodeJS.Timeout | undefined;

  constructor(o: UpstreamPoolOptions = {}) {
    this.options = {
      maxConnections: o.connectionsPerUpstream ?? 128,
      connectTimeoutMs: o.connectTimeoutMs ?? 5000,
      headersTimeoutMs: o.headersTimeoutMs ?? 60_000,
      bodyTimeoutMs: o.bodyTimeoutMs ?? 60_000,
      keepAliveTimeoutMs: o.keepAliveTimeoutMs ?? 60_000,
    };
  }

  pool(u: Upstream): EndpointPool {
    let p = this.pools.get(u.key);
    if (!p) {
      p = new EndpointPool(u, this.options);
      this.pools.set(u.key, p);
      if (!this.sweep) {
        this.sweep = setInterval(() => {
          const now = performance.now();
          for (const pool of this.pools.values()) {
            try {
              pool.expire(now);
            } catch {
              // never throw from a timer; the pool is retried on the next tick
            }
          }
        }, 1000);
        this.sweep.unref();
      }
    }
    return p;
  }

  /** The next endpoint of a backend in round-robin order, skipping those in `exclude`. */
  pick(backend: string, upstreams: readonly Upstream[], exclude?: ReadonlySet<string>): Upstream | undefined {
    const n = upstreams.length;
    const start = this.cursors.get(backend) ?? 0;
    for (let i = 0; i < n; i++) {
      const u = upstreams[(start + i) % n]!;
      if (exclude?.has(u.key)) continue;
      this.cursors.set(backend, (start + i + 1) % n);
      return u;
    }
    return undefined;
  }

  /** Closes pools whose endpoint is not in `live` (after Services or slices changed). */
  retain(live: ReadonlySet<string>): void {
    for (const [key, pool] of this.pools) {
      if (live.has(key)) continue;
      this.pools.delete(key);
      pool.close();
    }
  }

  async close(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = undefined;
    for (const p of this.pools.values()) p.close();
    this.pools.clear();
    await Promise.resolve();
  }
}
