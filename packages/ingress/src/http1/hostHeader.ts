import { parseIP } from '@svcnet/model';

/**
 * The checks a request's Host passes before it is routed by: one rule set for every request path
 * (fast path, node:http, TLS, upgrades), so the host the router routes by is always the host the
 * endpoint sees in `Host` and `X-Forwarded-Host`.
 *
 * - More than one Host header: 400 (RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request)
 *   ... to any request message that contains more than one Host header field line or a Host header
 *   field with an invalid field value"; nginx ngx_http_process_host: "client sent duplicate host
 *   header"). The caller counts the lines (requestHost, and requestHeadParser.ts on the fast path,
 *   which hands such heads to node:http).
 * - A Host that is not `uri-host [":" port]` (RFC 9110 §7.2, RFC 3986 §3.2.2): 400. nginx
 *   (ngx_http_validate_host, "client sent invalid host header") refuses an empty host name, "..",
 *   "/" and NUL; this grammar refuses those and every other byte a host cannot hold (spaces,
 *   controls, "@", "\\", non-ASCII).
 * - An absolute-form target (`GET http://a.example/ HTTP/1.1`) whose authority differs from Host:
 *   400. nginx picks the request line's host for the server block and ignores Host (RFC 9112 §3.2.2
 *   lets an origin server do so), but ingress-nginx then forwards the client's own Host
 *   (`proxy_set_header Host $best_http_host`, i.e. `$http_host`): routed by one name, delivered
 *   with another, which is the split this check closes. A client must send a Host identical to the
 *   target's authority (RFC 9112 §3.2), so refusing the disagreement costs no conforming client.
 *   Identical means equal after RFC 3986 §6.2.2.1/§6.2.3 normalisation: ASCII case, and the scheme's
 *   default port written or not. A target with userinfo (`http://u@host/`) is refused too (RFC 9110
 *   §4.2.4: treat it as an error).
 */

/** 1 for the bytes of an RFC 3986 reg-name other than '%': unreserved and sub-delims. */
const REG_NAME = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=") REG_NAME[ch.charCodeAt(0)] = 1;

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102);
}

/**
 * Why `value` (a Host value, or an absolute-form target's authority) is not `uri-host [":" port]`,
 * or undefined when it is.
 */
export function invalidHost(value: string): string | undefined {
  const n = value.length;
  if (n === 0) return 'it is empty';
  let i = 0;
  if (value.charCodeAt(0) === 91 /* [ */) {
    const close = value.indexOf(']');
    if (close < 0 || parseIP(value.slice(1, close))?.family !== 'IPv6') return 'a bracketed host must be an IPv6 address';
    i = close + 1;
  } else {
    let dot = false;
    for (; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c === 58 /* : */) break;
      if (c === 37 /* % */) {
        if (!isHex(value.charCodeAt(i + 1)) || !isHex(value.charCodeAt(i + 2))) return 'it holds a malformed percent-escape';
        i += 2;
        dot = false;
        continue;
      }
      if (c >= 128 || REG_NAME[c] !== 1) return `it holds ${JSON.stringify(value[i])}, which a host name cannot`;
      if (c === 46 /* . */) {
        if (dot) return 'it holds ".."';
        dot = true;
      } else dot = false;
    }
    // nginx strips one trailing dot and then wants a name: "" and "." name no host.
    if (i === 0 || (i === 1 && dot)) return 'its host name is empty';
  }
  if (i === n) return undefined;
  if (value.charCodeAt(i) !== 58) return 'only ":" and a port may follow the host';
  if (n - i - 1 > 5) return 'its port is not a number up to 65535';
  for (let j = i + 1; j < n; j++) {
    const c = value.charCodeAt(j);
    if (c < 48 || c > 57) return 'its port is not a number';
  }
  if (n - i - 1 === 5 && Number(value.slice(i + 1)) > 65535) return 'its port is not a number up to 65535';
  return undefined;
}

/** `host` without a port that is empty or the scheme's default, lower-cased. */
function normalisedAuthority(host: string, defaultPort: string): string {
  const colon = host.lastIndexOf(':');
  let h = host;
  if (colon >= 0 && host.indexOf(']', colon) < 0) {
    const port = host.slice(colon + 1);
    if (port === '' || port === defaultPort) h = host.slice(0, colon);
  }
  return h.toLowerCase();
}

// As normaliseRequestPath splits an absolute-form target: scheme, then the authority up to the
// path or query.
const ABSOLUTE_FORM = /^(https?):\/\/([^/?]*)/i;

/**
 * Why a request cannot be routed by its Host (answer 400), or undefined when it can. `host` is the
 * one Host header's value (undefined: none, which node:http allows only for HTTP/1.0); `target` is
 * the request target as received. A request without Host is routed to the rules without host, as
 * before, even when its target is absolute-form: then neither routing nor the endpoint sees a host.
 */
export function hostProblem(host: string | undefined, target: string): string | undefined {
  if (host !== undefined) {
    const bad = invalidHost(host);
    if (bad !== undefined) return `Host ${JSON.stringify(host.slice(0, 200))} is invalid: ${bad}`;
  }
  if (target.charCodeAt(0) === 47 /* / */) return undefined; // origin-form, nearly every request
  const m = ABSOLUTE_FORM.exec(target);
  if (!m) return undefined; // no authority (routing answers 400 for a target not starting with "/")
  const authority = m[2]!;
  const bad = invalidHost(authority);
  if (bad !== undefined) return `the request target's authority ${JSON.stringify(authority.slice(0, 200))} is invalid: ${bad}`;
  if (host === undefined) return undefined;
  const defaultPort = m[1]!.length === 5 ? '443' : '80';
  if (normalisedAuthority(host, defaultPort) !== normalisedAuthority(authority, defaultPort)) {
    return `Host ${JSON.stringify(host.slice(0, 200))} differs from the request target's authority ${JSON.stringify(authority)}`;
  }
  return undefined;
}

/** Whether a header name (as in rawHeaders) is Host, in any case. */
function isHostName(n: string): boolean {
  return n.length === 4 && (n === 'Host' || n === 'host' || n.toLowerCase() === 'host');
}

/**
 * The Host header's value from node:http's rawHeaders (which keep every line as sent: req.headers
 * keeps only the first Host), undefined when there is none, null when there is more than one.
 */
export function requestHost(raw: readonly string[]): string | undefined | null {
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (!isHostName(raw[i]!)) continue;
    if (host !== undefined) return null;
    host = raw[i + 1]!;
  }
  return host;
}
