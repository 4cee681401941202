import type { TrustedProxies } from './clientAddress.js';
import type { RouterView } from './routerView.js';
import type { IngressMetrics } from './metrics.js';
import type { Tunnels } from './tunnels.js';
import type { UpstreamPools } from './upstreamPools.js';

/** A structured logger (pino's shape); the router logs one line per failure, with the route. */
export interface IngressLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  error?(obj: Record<string, unknown>, msg: string): void;
  info?(obj: Record<string, unknown>, msg: string): void;
}

/** What every request handler shares. */
export interface ProxyContext {
  readonly view: RouterView;
  readonly pools: UpstreamPools;
  /** Upgraded (WebSocket) connections, destroyed on close. */
  readonly tunnels: Tunnels;
  readonly metrics: IngressMetrics;
  readonly trusted: TrustedProxies;
  readonly maxBodyBytes: number;
  /** Attempts per request across endpoints when connecting fails (default 3). */
  readonly maxAttempts: number;
  /** The HTTPS port for 308 redirects of TLS hosts; undefined when no TLS listener runs. */
  httpsPort: number | undefined;
  readonly logger: IngressLogger | undefined;
}
