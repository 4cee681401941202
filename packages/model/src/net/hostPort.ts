/**
 * `host:port`, with an IPv6 host in brackets (`[fd00::1]:80`): Go's net.JoinHostPort, which
 * brackets any host containing a colon. The one address join of svcnet: connection pool keys,
 * `ip:port` columns, rule comments and log labels all read the same.
 */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
