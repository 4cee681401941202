/**
 * Request-path normalisation and Ingress path semantics.
 *
 * Requests are normalised the way nginx does before its location lookup (ngx_http_parse_complex_uri
 * with merge_slashes on): percent-escapes decoded, `.` and `..` segments resolved, runs of `/` merged.
 * A `..` that would climb above the root is refused (nginx answers 400). The router matches the
 * normalised path and forwards that same path (re-encoded), so a backend never sees a path the
 * route table did not allow (`/public/../admin` is matched and forwarded as `/admin`).
 */

export interface NormalisedPath {
  /** Decoded, dot-free, slash-merged path: what routes are matched against. */
  readonly path: string;
  /** `path` percent-encoded for the request line sent upstream, plus the original `?query`. */
  readonly forward: string;
}

export class BadPathError extends Error {
  readonly code = 'BadRequestPath';
  constructor(readonly rawPath: string, reason: string) {
    super(`ingress: request path ${JSON.stringify(rawPath.slice(0, 200))} is invalid: ${reason}`);
  }
}

/** Characters allowed verbatim in a path segment (RFC 3986 pchar minus `%`). */
const SAFE = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]*$/;

function encodeSegment(segment: string): string {
  if (SAFE.test(segment)) return segment;
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Normalises a request target (`/a/b?q`, or absolute-form `http://h/a`). Throws BadPathError for
 * paths nginx would refuse: not starting with `/`, bad or NUL escapes, `..` above the root.
 */
export function normaliseRequestPath(target: string): NormalisedPath {
  let rawPath = target;
  let query = '';
  const q = target.indexOf('?');
  if (q >= 0) {
    rawPath = target.slice(0, q);
    query = target.slice(q);
  }
  if (rawPath.charCodeAt(0) !== 47 /* / */) {
    const abs = /^https?:\/\/[^/]*/i.exec(rawPath);
    if (!abs) throw new BadPathError(target, 'it must start with "/"');
    rawPath = rawPath.slice(abs[0].length) || '/';
  }
  // Fast path: nothing to decode, no dot segment, no doubled slash.
  if (rawPath.indexOf('%') < 0 && rawPath.indexOf('/.') < 0 && rawPath.indexOf('//') < 0 && SAFE_PATH.test(rawPath)) {
    return { path: rawPath, forward: q >= 0 ? rawPath + query : rawPath };
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    throw new BadPathError(target, 'it has a malformed percent-escape');
  }
  if (decoded.includes('\0')) throw new BadPathError(target, 'it contains a NUL byte');
  const out: string[] = [];
  const parts = decoded.split('/');
  // parts[0] is '' (the path starts with '/'). The last segment decides the trailing slash:
  // `/a/`, `/a/.` and `/b/../a/..` keep one, as nginx does.
  let trailing = false;
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i]!;
    trailing = seg === '' || seg === '.' || seg === '..';
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) throw new BadPathError(target, '".." climbs above the root');
      out.pop();
      continue;
    }
    out.push(seg);
  }
  const tail = trailing && out.length > 0 ? '/' : '';
  const path = '/' + out.join('/') + tail;
  const forward = '/' + out.map(encodeSegment).join('/') + tail;
  return { path, forward: forward + query };
}

const SAFE_PATH = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;

/** Ingress pathType as the router implements it: ImplementationSpecific behaves as Prefix. */
export type MatchType = 'Exact' | 'Prefix';

export function matchTypeOf(pathType: string | undefined): MatchType {
  return pathType === 'Exact' ? 'Exact' : 'Prefix';
}

/**
 * The key a Prefix path is stored under: trailing slashes dropped (`/foo/` and `/foo` are the same
 * prefix, as the Kubernetes docs' table requires), `/` for the root.
 */
export function prefixKey(path: string): string {
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) === 47) end--;
  return end === path.length ? path : path.slice(0, end);
}

/**
 * The element-wise prefixes of a request path, longest first: `/a/b/` -> `/a/b`, `/a`, `/`. A Prefix
 * rule matches exactly when its key is one of these (so `/aaa` never matches `/aaabbb`).
 */
export function* prefixCandidates(path: string): Generator<string> {
  let p = prefixKey(path);
  for (;;) {
    yield p;
    if (p === '/') return;
    const cut = p.lastIndexOf('/');
    p = cut <= 0 ? '/' : p.slice(0, cut);
  }
}

/** Does a single rule match? Used by tests and `explain`; the route table uses map lookups. */
export function pathMatches(matchType: MatchType, rulePath: string, requestPath: string): boolean {
  if (matchType === 'Exact') return rulePath === requestPath;
  const key = prefixKey(rulePath);
  for (const c of prefixCandidates(requestPath)) if (c === key) return true;
  return false;
}
