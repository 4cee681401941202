import type { TrustedProxies } from '../http1/clientAddress.js';
import type { Upstream } from '../routes/backends.js';
import type { IngressLogger } from '../view/ingressLogger.js';
import type { RouterView } from '../view/routerView.js';
import type { IngressMetrics } from './metrics.js';
import type { Tunnels } from './tunnels.js';
import type { UpstreamPools } from '../upstream/upstreamPools.js';

/**
 * Where a request goes: the route's ready endpoints, or the router's own answer. `close`: the
 * answer ends the connection (a request with a bad Host, as nginx closes after any 400).
 */
export type Routed =
  | { kind: 'proxy'; backend: string; upstreams: readonly Upstream[]; forward: string; host: string | undefined; route: string }
  | { kind: 'answer'; status: number; reason: string; close?: boolean; detail?: string }
  | { kind: 'redirect'; location: string };

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
