import type { MatchType } from './paths.js';

/** A Service port an Ingress points at: number or named port, in the Ingress's namespace. */
export interface BackendRef {
  readonly namespace: string;
  readonly service: string;
  readonly port: number | string;
}

/** One path rule after compilation. `backend` is undefined for backends the router cannot serve. */
export interface Route {
  /** As written in the Ingress (`/foo/`), for display. */
  readonly path: string;
  /** As written: Exact, Prefix or ImplementationSpecific. */
  readonly pathType: string;
  readonly match: MatchType;
  readonly backend: BackendRef | undefined;
  /** `namespace/name` of the Ingress that contributed this rule. */
  readonly ingress: string;
}

/** What a request path resolves to within one host. */
export interface HostRoutes {
  /** `foo.bar.com`, `*.foo.com`, or '' for the catch-all server (rules without host). */
  readonly host: string;
  /** Exact rules by path. */
  readonly exact: ReadonlyMap<string, Route>;
  /** Prefix rules by prefix key (trailing slashes dropped). */
  readonly prefix: ReadonlyMap<string, Route>;
  /**
   * Where a request that matched no rule goes: for a host, the `spec.defaultBackend` of the oldest
   * Ingress defining that host (ingress-nginx); for the catch-all, the oldest Ingress with a
   * defaultBackend and no rules. Undefined: 404.
   */
  readonly fallback: Route | undefined;
}

/** A TLS host and the Secret (`namespace/name`) that holds its certificate. */
export interface TlsHost {
  readonly host: string;
  readonly secret: string;
  readonly ingress: string;
}

/** Two Ingresses claimed the same host+path+match: the older one won (ingress-nginx ordering). */
export interface RouteConflict {
  readonly host: string;
  readonly path: string;
  readonly match: MatchType;
  readonly winner: string;
  readonly loser: string;
}

/** The compiled table. Hosts are lower-case; wildcard hosts are keyed by their suffix (`foo.com`). */
export interface RouteTable {
  readonly exactHosts: ReadonlyMap<string, HostRoutes>;
  readonly wildcardHosts: ReadonlyMap<string, HostRoutes>;
  readonly catchAll: HostRoutes;
  readonly tlsExact: ReadonlyMap<string, TlsHost>;
  readonly tlsWildcard: ReadonlyMap<string, TlsHost>;
  readonly conflicts: ReadonlyMap<string, readonly RouteConflict[]>;
}

/** The result of matching one request. */
export type RouteMatch =
  | { readonly kind: 'route'; readonly host: HostRoutes; readonly route: Route }
  | { readonly kind: 'none'; readonly host: HostRoutes };
