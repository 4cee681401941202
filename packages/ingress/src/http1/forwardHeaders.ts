import type { TrustedProxies } from './clientAddress.js';

/**
 * Request headers that describe one hop and are never forwarded (RFC 9110 7.6.1), plus those the
 * router sets itself. `expect` is answered by the router (Node sends 100 Continue).
 */
const DROPPED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-proto',
  'x-real-ip',
  'x-request-id',
]);

/** 1 at the lengths of DROPPED names: a name of any other length is kept without lower-casing it. */
const DROPPED_LENGTH = new Uint8Array(32);
for (const n of DROPPED) DROPPED_LENGTH[n.length] = 1;

export interface ForwardContext {
  readonly peer: string;
  readonly proto: 'http' | 'https';
  readonly localPort: number;
  readonly requestId: string;
  readonly trusted: TrustedProxies;
}

export interface ForwardedRequestHeaders {
  /** Flat [name, value, name, value, ...] as undici and node:http accept. */
  readonly headers: string[];
  readonly client: string;
}

/**
 * Header names listed in a Connection header (other than the usual tokens) are hop-by-hop too, added
 * to `into` (every Connection header counts). Host never is: a request upstream must carry it.
 */
function connectionTokens(value: string, into: Set<string> | undefined): Set<string> | undefined {
  for (const t of value.split(',')) {
    const name = t.trim().toLowerCase();
    if (!name || name === 'close' || name === 'keep-alive' || name === 'upgrade' || name === 'host') continue;
    (into ??= new Set()).add(name);
  }
  return into;
}

/**
 * The headers sent upstream, built from `rawHeaders` in one pass with no intermediate object:
 * hop-by-hop headers removed, Host passed through (the caller routed by that one Host), the
 * X-Forwarded-* and X-Real-IP headers as forwardedValues says, X-Request-ID kept from the client
 * or generated. `keepUpgrade` keeps Connection/Upgrade (WebSocket).
 */
export function forwardRequestHeaders(raw: readonly string[], ctx: ForwardContext, keepUpgrade = false): ForwardedRequestHeaders {
  const out: string[] = [];
  let xff: string | undefined;
  let host: string | undefined;
  let fHost: string | undefined;
  let fPort: string | undefined;
  let fProto: string | undefined;
  let requestId: string | undefined;
  let extraHop: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.length === 4 && (name === 'Host' || name === 'host') ? 'host' : DROPPED_LENGTH[name.length] === 1 || name.length === 4 ? name.toLowerCase() : '';
    if (lower !== '' && DROPPED.has(lower)) {
      switch (lower) {
        case 'x-forwarded-for':
          xff = xff === undefined ? value : `${xff}, ${value}`;
          break;
        case 'x-forwarded-host':
          fHost = value;
          break;
        case 'x-forwarded-port':
          fPort = value;
          break;
        case 'x-forwarded-proto':
          fProto = value;
          break;
        case 'x-request-id':
          requestId = value;
          break;
        case 'connection':
          if (keepUpgrade) out.push('Connection', 'Upgrade');
          else extraHop = connectionTokens(value, extraHop);
          break;
        case 'upgrade':
          if (keepUpgrade) out.push(name, value);
          break;
      }
      continue;
    }
    if (lower === 'host') host = value;
    out.push(name, value);
  }
  if (extraHop) {
    for (let i = out.length - 2; i >= 0; i -= 2) if (extraHop.has(out[i]!.toLowerCase())) out.splice(i, 2);
  }
  const v = forwardedValues(ctx.peer, ctx.trusted.trusts(ctx.peer), ctx.trusted, xff, host, fHost, fPort, fProto, String(ctx.localPort), ctx.proto, requestId || ctx.requestId);
  out.push(
    'X-Forwarded-For', v.forwardedFor,
    'X-Real-IP', v.client,
    'X-Forwarded-Host', v.host,
    'X-Forwarded-Port', v.port,
    'X-Forwarded-Proto', v.proto,
    'X-Request-ID', v.requestId,
  );
  return { headers: out, client: v.client };
}

/** The values of the router's own forwarding headers, in the order they are written. */
export interface ForwardedValues {
  readonly forwardedFor: string;
  /** X-Real-IP. */
  readonly client: string;
  readonly host: string;
  readonly port: string;
  readonly proto: string;
  readonly requestId: string;
}

/**
 * What the router tells the endpoint about the client, as ingress-nginx does with its trusted
 * proxies (`use-forwarded-headers` with `proxy-real-ip-cidr`, `compute-full-forwarded-for`): the
 * client's own X-Forwarded-* headers are believed only from a trusted peer. From any other peer
 * X-Forwarded-For is replaced by the peer's address (ingress-nginx: `X-Forwarded-For $the_real_ip`)
 * and X-Forwarded-Host/-Port/-Proto come from this connection; from a trusted peer X-Forwarded-For
 * is appended to (`$http_x_forwarded_for, $realip_remote_addr`), X-Real-IP is the right-most
 * untrusted hop (real_ip_recursive) and its X-Forwarded-Host/-Port/-Proto are kept. The client's
 * values (`xff` joined with ", ", the others the last one sent) are undefined when absent. Shared
 * by the string path and upstreamRequestHead.ts.
 */
export function forwardedValues(
  peer: string,
  trustedPeer: boolean,
  trusted: TrustedProxies,
  xff: string | undefined,
  host: string | undefined,
  fHost: string | undefined,
  fPort: string | undefined,
  fProto: string | undefined,
  localPort: string,
  proto: string,
  requestId: string,
): ForwardedValues {
  return {
    forwardedFor: trustedPeer && xff ? `${xff}, ${peer}` : peer,
    client: trustedPeer ? trusted.clientAddress(peer, xff) : peer,
    host: (trustedPeer && fHost) || host || '',
    port: (trustedPeer && fPort) || localPort,
    proto: (trustedPeer && fProto) || proto,
    requestId,
  };
}

/** The HTTP/1.1 request head for an endpoint (latin1: header bytes pass through as received). */
export function requestHead(method: string, path: string, headers: readonly string[], chunked: boolean): string {
  let head = `${method} ${path} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return chunked ? `${head}Transfer-Encoding: chunked\r\n\r\n` : `${head}\r\n`;
}
