import { normaliseHost, wildcardSuffix } from './hosts.js';
import type { HostRoutes, Route, RouteMatch, RouteTable, TlsHost } from './routeTypes.js';

/** The server block for a Host: exact host, else the one-label wildcard, else the catch-all. */
export function findHost(table: RouteTable, host: string): HostRoutes {
  const exact = table.exactHosts.get(host);
  if (exact) return exact;
  if (table.wildcardHosts.size > 0) {
    const suffix = wildcardSuffix(host);
    if (suffix !== undefined) {
      const w = table.wildcardHosts.get(suffix);
      if (w) return w;
    }
  }
  return table.catchAll;
}

/**
 * The rule for a normalised path within one host: the longest matching path wins; an Exact rule
 * beats a Prefix rule of the same length. An Exact hit is always at least as long as any Prefix hit
 * (prefix keys have no trailing slash), so it is checked first; Prefix rules are then looked up by
 * the request's element-wise prefixes, longest first: O(path depth) map lookups.
 */
export function matchPath(routes: HostRoutes, path: string): Route | undefined {
  const e = routes.exact.size > 0 ? routes.exact.get(path) : undefined;
  if (e) return e;
  const prefix = routes.prefix;
  if (prefix.size === 0) return undefined;
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) === 47) end--;
  let p = end === path.length ? path : path.slice(0, end);
  for (;;) {
    const r = prefix.get(p);
    if (r) return r;
    if (p === '/') return undefined;
    const cut = p.lastIndexOf('/');
    p = cut <= 0 ? '/' : p.slice(0, cut);
  }
}

/** Matches a request: `host` is a raw Host header (port and case are handled), `path` normalised. */
export function matchRequest(table: RouteTable, hostHeader: string | undefined, path: string): RouteMatch {
  const host = findHost(table, normaliseHost(hostHeader));
  const route = matchPath(host, path) ?? host.fallback;
  return route ? { kind: 'route', host, route } : { kind: 'none', host };
}

/** The TLS entry for an SNI name or Host: exact host first, then the one-label wildcard. */
export function findTls(table: RouteTable, serverName: string | undefined): TlsHost | undefined {
  const host = normaliseHost(serverName);
  if (!host) return undefined;
  const exact = table.tlsExact.get(host);
  if (exact) return exact;
  const suffix = wildcardSuffix(host);
  return suffix === undefined ? undefined : table.tlsWildcard.get(suffix);
}
