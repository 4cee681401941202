/**
 * Host header handling: lower-cased, port and trailing dot stripped. Matching follows the Kubernetes
 * docs: an exact host beats a wildcard, and `*.foo.com` covers exactly one DNS label (`bar.foo.com`,
 * not `foo.com` nor `baz.bar.foo.com`).
 */
export function normaliseHost(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  let h = hostHeader;
  if (h.charCodeAt(0) === 91 /* [ */) {
    const end = h.indexOf(']');
    h = end > 0 ? h.slice(0, end + 1) : h;
  } else {
    const colon = h.indexOf(':');
    if (colon >= 0) h = h.slice(0, colon);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h.toLowerCase();
}

export function isWildcardHost(host: string): boolean {
  return host.startsWith('*.');
}

/** The wildcard key a request host would match: `bar.foo.com` -> `foo.com`; undefined for one label. */
export function wildcardSuffix(host: string): string | undefined {
  const dot = host.indexOf('.');
  return dot > 0 && dot < host.length - 1 ? host.slice(dot + 1) : undefined;
}

/** Does an Ingress host (exact or `*.suffix`) cover a request host? */
export function hostMatches(ruleHost: string, requestHost: string): boolean {
  const rule = ruleHost.toLowerCase();
  const req = normaliseHost(requestHost);
  if (!isWildcardHost(rule)) return rule === req;
  return wildcardSuffix(req) === rule.slice(2);
}
