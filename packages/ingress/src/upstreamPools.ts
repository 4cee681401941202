import { Pool } from 'undici';
import type { Upstream } from './backends.js';

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
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND']);

export function isConnectError(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code !== undefined && CONNECT_ERRORS.has(code);
}

export function isTimeout(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}

/**
 * One undici Pool (keep-alive connections) per endpoint, and a round-robin cursor per backend.
 * Pools of endpoints that left every backend are closed by `retain`.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();
  private readonly cursors = new Map<string, number>();

  constructor(private readonly options: UpstreamPoolOptions = {}) {}

  pool(u: Upstream): Pool {
    let p = this.pools.get(u.key);
    if (!p) {
      const o = this.options;
      p = new Pool(`http://${u.key}`, {
        connections: o.connectionsPerUpstream ?? 128,
        pipelining: 1,
        connect: { timeout: o.connectTimeoutMs ?? 5000 },
        headersTimeout: o.headersTimeoutMs ?? 60_000,
        bodyTimeout: o.bodyTimeoutMs ?? 60_000,
        keepAliveTimeout: o.keepAliveTimeoutMs ?? 60_000,
        keepAliveMaxTimeout: Math.max(o.keepAliveTimeoutMs ?? 60_000, 1000),
      });
      this.pools.set(u.key, p);
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
      void pool.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((p) => p.destroy().catch(() => undefined)));
  }
}
