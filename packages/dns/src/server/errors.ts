/** Stable codes for what the DNS server can refuse to do. */
export type DnsErrorCode = 'ForwardLoop' | 'ForwardFailed' | 'BadUpstream' | 'BadListen' | 'NoUpstreams' | 'BadAcl' | 'NativeUnavailable';

/** An error with a stable `code` and a CoreDNS-style `plugin/<name>:` prefix in its message. */
export class DnsError extends Error {
  override readonly name = 'DnsError';
  constructor(readonly code: DnsErrorCode, message: string) {
    super(message);
  }
}

/** `host:port`, `[v6]:port`, or a bare host (port 53) into parts; throws DnsError on nonsense. */
export function parseHostPort(s: string, defaultPort: number, what: 'upstream' | 'listen'): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s) ?? /^([0-9a-fA-F:]+)$/.exec(s);
  const port = m?.[2] === undefined ? defaultPort : Number(m[2]);
  if (!m || !m[1] || !Number.isInteger(port) || port < 0 || port > 65535) {
    const code = what === 'upstream' ? 'BadUpstream' : 'BadListen';
    const plugin = what === 'upstream' ? 'plugin/forward' : 'plugin/bind';
    throw new DnsError(code, `${plugin}: "${s}" is not an address: use host:port, [ipv6]:port or a bare IP`);
  }
  return { host: m[1], port };
}
