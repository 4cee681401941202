import type { BackendRef, HostRoutes, Route, RouteTable } from './routeTypes.js';

export interface RouteRow {
  host: string;
  path: string;
  match: string;
  pathType: string;
  backend: string;
  ingress: string;
  tls: string;
}

export function backendText(b: BackendRef | undefined): string {
  return b ? `${b.namespace}/${b.service}:${b.port}` : '<unsupported backend>';
}

function rows(host: HostRoutes, tls: string, out: RouteRow[]): void {
  const name = host.host === '' ? '*' : host.host;
  const add = (r: Route, match: string) =>
    out.push({ host: name, path: r.path, match, pathType: r.pathType, backend: backendText(r.backend), ingress: r.ingress, tls });
  const sorted: (readonly [Route, string])[] = [...host.exact.values()].map((r) => [r, 'Exact'] as const);
  sorted.push(...[...host.prefix.values()].map((r) => [r, 'Prefix'] as const));
  // Display in precedence order: longer first, Exact before Prefix on a tie.
  sorted.sort(([a, am], [b, bm]) => b.path.length - a.path.length || (am === bm ? a.path.localeCompare(b.path) : am === 'Exact' ? -1 : 1));
  for (const [r, m] of sorted) add(r, m);
  if (host.fallback) add(host.fallback, 'default');
}

/**
 * The table as rows in a canonical order (hosts sorted, exact hosts before wildcards, catch-all last;
 * paths in precedence order). Two tables with the same rows route every request the same way.
 */
export function routeRows(table: RouteTable): RouteRow[] {
  const out: RouteRow[] = [];
  const tlsOf = (host: string) => {
    const t = host.startsWith('*.') ? table.tlsWildcard.get(host.slice(2)) : table.tlsExact.get(host);
    return t ? t.secret || '<default certificate>' : '';
  };
  for (const h of [...table.exactHosts.keys()].sort()) rows(table.exactHosts.get(h)!, tlsOf(h), out);
  for (const h of [...table.wildcardHosts.keys()].sort()) rows(table.wildcardHosts.get(h)!, tlsOf(`*.${h}`), out);
  rows(table.catchAll, '', out);
  return out;
}

/** A fixed-width text table of the routes, then conflicts: what `svcnet render ingress` prints. */
export function formatRouteTable(table: RouteTable): string {
  const data = routeRows(table);
  const header: RouteRow = { host: 'HOST', path: 'PATH', match: 'MATCH', pathType: 'PATHTYPE', backend: 'BACKEND', ingress: 'INGRESS', tls: 'TLS' };
  const cols = Object.keys(header) as (keyof RouteRow)[];
  const all = [header, ...data];
  const width = cols.map((c) => Math.max(...all.map((r) => r[c].length)));
  const lines = all.map((r) => cols.map((c, i) => r[c].padEnd(width[i]!)).join('  ').trimEnd());
  if (data.length === 0) lines.push('(no routes: every request gets 404)');
  const conflicts = [...table.conflicts.values()].flat();
  for (const c of conflicts) {
    lines.push(`conflict: ${c.host || '*'} ${c.match} ${c.path}: ${c.loser} ignored, ${c.winner} is older and wins`);
  }
  return lines.join('\n') + '\n';
}
