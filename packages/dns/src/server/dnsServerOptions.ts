import type { Registry } from 'prom-client';
import type { RecordIndex } from '../core/recordIndex.js';
import type { CacheOptions } from './cache.js';

export interface DnsLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface DnsServerOptions {
  /** The records to serve; the server reads it on every query, so updates apply at once. */
  index: RecordIndex;
  /** `host:port` for UDP and TCP. Default `127.0.0.1:53`; port 0 picks a free port. */
  listen?: string;
  /**
   * Resolvers for names outside the zone (CoreDNS forward). Undefined: the nameservers of
   * /etc/resolv.conf (production only: tests pass a resolver of their own). `[]`: answer REFUSED.
   */
  upstreams?: readonly string[];
  upstreamTimeoutMs?: number;
  /**
   * Client networks (CIDRs or addresses) allowed to query, as CoreDNS's acl plugin `allow net ...`
   * followed by `block`: every query from anywhere else is answered REFUSED (see clientAcl.ts for
   * why every query and not only recursion). Undefined or empty: every client is answered, and a
   * server that forwards and listens beyond loopback logs a warning that it is an open resolver.
   */
  allow?: readonly string[];
  /** How the caller's users set `allow` (a flag name), for that warning. Default `allow`. */
  allowSetting?: string;
  /** Response cache for forwarded names; `false` turns it off. */
  cache?: CacheOptions | false;
  /** Where metrics go (the agent passes its own to merge registries). Default a new Registry. */
  registry?: Registry;
  /** Metric name prefix: `<prefix>_dns_requests_total` and so on. Default `svcnet`. */
  metricsPrefix?: string;
  /** `host:port` of an HTTP listener for /health, /ready and /metrics. Default none. */
  httpListen?: string;
  /** TCP connections idle this long are closed (RFC 7766 suggests seconds). Default 10000 ms. */
  tcpIdleTimeoutMs?: number;
  /** Most concurrent TCP connections. Default 1000. */
  maxTcpConnections?: number;
  /** Most forwarded queries waiting at once; more get SERVFAIL. Default 1000. */
  maxInflight?: number;
  logger?: DnsLogger;
  /**
   * Answer UDP through Node's socket handle directly (see udpFastPath.ts). Default true; false
   * uses only dgram's public API (same replies, more CPU per query).
   */
  udpFastPath?: boolean;
  /**
   * Read and answer UDP in batches through the native addon (recvmmsg/sendmmsg; see udpBatch.ts
   * and docs/decisions/017). Undefined: as SVCNET_DNS_NATIVE says (`0` off, `1` required), else
   * when the addon is built and loads. True: required (start fails with the reason). False: off.
   */
  udpNative?: boolean;
  /**
   * Bind UDP and TCP with SO_REUSEPORT (Node 22.12+/23.1+), so that several servers (DNS workers)
   * share the address and the kernel spreads clients over them. Default false.
   */
  reusePort?: boolean;
  /** Loop detection shared by the workers of one server (see LoopDetector); default a nonce of its own, probes sent. */
  loopDetection?: { nonce: string; sendProbes: boolean; onLoop(upstream: number): void };
}

export interface ListenAddresses {
  udp: { address: string; port: number };
  tcp: { address: string; port: number };
  http?: { address: string; port: number };
}
