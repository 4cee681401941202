import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, ListenOptions, Socket } from 'node:net';
import type { Registry } from 'prom-client';
import { TrustedProxies } from '../http1/clientAddress.js';
import { keepAliveLines } from '../http1/clientResponseHead.js';
import { FastConnection } from '../fastpath/fastConnection.js';
import type { TlsCertificate } from '../view/ingressView.js';
import type { RouterView } from '../view/routerView.js';
import { IngressMetrics } from '../proxy/metrics.js';
import { takeNodeConnectionListener } from '../fastpath/nodeConnectionListener.js';
import type { ProxyContext } from '../proxy/proxyContext.js';
import type { IngressLogger } from '../view/ingressLogger.js';
import { handleRequest } from '../proxy/proxyHandler.js';
import { FAKE_CERTIFICATE_NAME, fakeCertificate } from '../tls/fakeCertificate.js';
import { TlsContexts } from '../tls/tlsContexts.js';
import { handleUpgrade } from '../proxy/upgradeProxy.js';
import { Tunnels } from '../proxy/tunnels.js';
import { UpstreamPools } from '../upstream/upstreamPools.js';
import type { UpstreamPoolOptions } from '../upstream/upstreamPools.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export interface IngressServerOptions extends UpstreamPoolOptions {
  view: RouterView;
  /** Plain HTTP listener (port 0 picks one). */
  listen?: ListenAddress;
  /** HTTPS listener: certificates by SNI from Ingress `spec.tls` Secrets. */
  listenTls?: ListenAddress;
  /** Served when no Ingress TLS entry covers the SNI name (or no SNI was sent). */
  defaultCertificate?: TlsCertificate;
  /**
   * `namespace/name` of a TLS Secret whose certificate is the default (ingress-nginx's
   * --default-ssl-certificate); the PEM `defaultCertificate`, or a self-signed one, serves until
   * the Secret exists and whenever it holds no usable certificate.
   */
  defaultCertificateSecret?: string;
  /**
   * The keys TLS session tickets are encrypted with (48 bytes, Node's `ticketKeys`): give every
   * worker serving one address the same keys so a client resumes its session on whichever worker
   * it reaches (ingress-nginx: `ssl-session-ticket-key`). Default: random per server (Node's).
   */
  tlsTicketKeys?: Buffer;
  /** CIDRs or addresses whose X-Forwarded-* headers are believed. */
  trustedProxies?: readonly string[];
  /** Request bodies above this get 413 (default 1 MiB, nginx's client_max_body_size). */
  maxBodyBytes?: number;
  /** Idle time a client keep-alive connection is kept (default 75 s, nginx's keepalive_timeout). */
  clientKeepAliveMs?: number;
  /** Time allowed to receive a client's request headers (default 60 s); 408 and close after it. */
  clientHeadersTimeoutMs?: number;
  /**
   * Time allowed to receive a client's whole request, body included (default 300 s, Node's
   * default; never below the headers timeout). Bounds slow-body clients (slow POST).
   */
  clientRequestTimeoutMs?: number;
  /** After one side of a WebSocket tunnel ends, time the other gets to end before both are destroyed (default 10 s). */
  tunnelHalfCloseTimeoutMs?: number;
  /** Endpoints tried per request when connecting fails (default 3). */
  maxAttempts?: number;
  /** 308 from HTTP to HTTPS for hosts listed in `spec.tls` (default true when listenTls is set). */
  sslRedirect?: boolean;
  /**
   * Serve simple requests (bodiless keep-alive GET/HEAD routed to a backend) on the socket (the
   * TCP one, or a TLS connection's decrypted side), without node:http's per-request objects
   * (default true); every other request, and the rest of its connection, goes through node:http.
   * false: node:http for everything.
   */
  fastPath?: boolean;
  registry?: Registry;
  logger?: IngressLogger;
  /**
   * Listen with SO_REUSEPORT (Node 22.12+/23.1+), so that other router workers' listeners share
   * the addresses and the kernel spreads connections over them. Default false.
   */
  reusePort?: boolean;
}

/**
 * The router's shell: HTTP and HTTPS listeners in front of an IngressView. It reacts to view changes
 * (drops certificates of changed Secrets, closes pools of endpoints that went away) and does nothing
 * else on its own.
 */
export class IngressServer {
  readonly metrics: IngressMetrics;
  private readonly ctx: ProxyContext;
  private readonly tls: TlsContexts;
  /** The configured default certificate, or the fake one made for the TLS listener. */
  private readonly defaultCertificate: TlsCertificate | undefined;
  private http: Server | undefined;
  private https: HttpsServer | undefined;
  private unsubscribe: (() => void) | undefined;
  private sweep: NodeJS.Timeout | undefined;
  /** Connections the fast path still serves (node:http tracks the ones handed to it). */
  private readonly fastConnections = new Set<FastConnection>();
  /** The listeners the fast path stands in front of. */
  private readonly fastPathOn = { http: false, https: false };

  constructor(private readonly options: IngressServerOptions) {
    this.metrics = new IngressMetrics(options.registry);
    this.ctx = {
      view: options.view,
      pools: new UpstreamPools(options),
      tunnels: new Tunnels(options.tunnelHalfCloseTimeoutMs ?? 10_000),
      metrics: this.metrics,
      trusted: new TrustedProxies(options.trustedProxies),
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
      maxAttempts: options.maxAttempts ?? 3,
      httpsPort: undefined,
      logger: options.logger,
    };
    // Always a certificate, as ingress-nginx: without a configured default, a self-signed one made now.
    const haveDefault = options.defaultCertificate !== undefined;
    this.defaultCertificate = options.defaultCertificate ?? (options.listenTls ? fakeCertificate() : undefined);
    if (options.listenTls && !haveDefault) {
      const log = options.logger?.info ?? options.logger?.warn;
      log?.call(options.logger, { certificate: FAKE_CERTIFICATE_NAME }, 'ingress: no default certificate given: a self-signed one (made at start, kept in memory) answers TLS names no Ingress covers, clients without SNI and clients connecting by address');
    }
    this.tls = new TlsContexts(
      options.view,
      this.defaultCertificate,
      (secret, err) => options.logger?.warn({ secret, err: err.message }, 'ingress: TLS Secret holds an unusable certificate; using the default'),
      options.defaultCertificateSecret,
    );
  }

  /** Clients without SNI get the listener's own context: keep it on the default Secret's certificate. */
  private useDefaultSecret(): void {
    if (!this.https || !this.options.defaultCertificateSecret) return;
    const cert = this.tls.defaultSecretCertificate() ?? this.defaultCertificate;
    if (!cert) return;
    try {
      this.https.setSecureContext({ cert: cert.cert, key: cert.key });
    } catch (e) {
      this.options.logger?.warn({ secret: this.options.defaultCertificateSecret, err: (e as Error).message }, 'ingress: the default TLS Secret holds an unusable certificate');
    }
  }

  /** Starts the listeners; resolves with their bound addresses. */
  async start(): Promise<{ http?: AddressInfo; https?: AddressInfo }> {
    const o = this.options;
    this.unsubscribe = o.view.onChange((c) => {
      for (const s of c.secrets ?? []) {
        this.tls.invalidate(s);
        this.metrics.tlsReload();
        if (s === o.defaultCertificateSecret) this.useDefaultSecret();
      }
      if (c.services?.size) this.scheduleSweep();
    });
    const out: { http?: AddressInfo; https?: AddressInfo } = {};
    if (o.listenTls) {
      const server = createHttpsServer({
        ...this.timeouts(),
        SNICallback: this.tls.sniCallback,
        // Clients are told what they get: HTTP/1.1 (browsers would otherwise try h2 first where offered).
        ALPNProtocols: ['http/1.1'],
        ...(this.options.tlsTicketKeys ? { ticketKeys: this.options.tlsTicketKeys } : {}),
        ...(this.defaultCertificate ? { cert: this.defaultCertificate.cert, key: this.defaultCertificate.key } : {}),
      });
      this.https = server;
      this.useDefaultSecret();
      out.https = await this.bind(server, o.listenTls, 'https');
      if (o.sslRedirect ?? true) this.ctx.httpsPort = out.https.port;
    }
    if (o.listen) {
      this.http = createServer(this.timeouts());
      out.http = await this.bind(this.http, o.listen, 'http');
    }
    return out;
  }

  /**
   * Client timeouts for node:http. Node enforces headersTimeout and requestTimeout only when it
   * checks its connections, every `connectionsCheckingInterval` (30 s by default): without a
   * shorter interval a slowloris client outlives a short headers timeout by up to 30 s.
   */
  private timeouts(): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number; keepAliveTimeout: number } {
    const headersTimeout = this.options.clientHeadersTimeoutMs ?? 60_000;
    return {
      headersTimeout,
      requestTimeout: Math.max(this.options.clientRequestTimeoutMs ?? 300_000, headersTimeout),
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(headersTimeout / 2))),
      keepAliveTimeout: this.options.clientKeepAliveMs ?? 75_000,
    };
  }

  private async bind(server: Server, addr: ListenAddress, proto: 'http' | 'https'): Promise<AddressInfo> {
    server.keepAliveTimeout = this.timeouts().keepAliveTimeout;
    let localPort = 0;
    server.on('request', (req, res) => handleRequest(this.ctx, req, res, proto, localPort));
    server.on('upgrade', (req, socket, head) => handleUpgrade(this.ctx, req, socket, head, proto, localPort));
    if (this.options.fastPath ?? true) this.interceptConnections(server, () => localPort, proto);
    server.on('clientError', (err, socket) => {
      const code = (err as { code?: string }).code;
      if (socket.writable && code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        socket.end('HTTP/1.1 408 Request Timeout\r\nServer: svcnet-ingress\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      } else if (socket.writable && !code?.startsWith('ECONNRESET')) {
        socket.end('HTTP/1.1 400 Bad Request\r\nServer: svcnet-ingress\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      } else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // reusePort is Node 22.12+ (@types/node 20 does not know it).
      server.listen({ port: addr.port, host: addr.host, ...(this.options.reusePort ? { reusePort: true } : {}) } as ListenOptions, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const info = server.address() as AddressInfo;
    localPort = info.port;
    return info;
  }

  /**
   * New connections start on the fast path (FastConnection), which gives them to node:http's own
   * connection listener the first time a request is not for it. When that listener cannot be
   * identified (nodeConnectionListener.ts) the fast path stays off for this server. On the TLS
   * listener the fast path takes connections after their handshake ('secureConnection', where
   * node:https gives them to node:http) and works on their decrypted side.
   */
  private interceptConnections(server: Server, localPort: () => number, proto: 'http' | 'https'): void {
    const event = proto === 'https' ? 'secureConnection' : 'connection';
    const nodeListener = takeNodeConnectionListener(server, this.options.logger, event);
    if (!nodeListener) return; // plain node:http (the warning says why)
    this.fastPathOn[proto] = true;
    const t = this.timeouts();
    const lines = keepAliveLines(t.keepAliveTimeout);
    const options = { keepAliveMs: t.keepAliveTimeout, headersTimeoutMs: t.headersTimeout, localPort, proto, handOff: (socket: Socket) => nodeListener.call(server, socket) };
    server.on(event, (socket: Socket) => new FastConnection(socket, this.ctx, options, lines, this.fastConnections));
  }

  /** Closes pools of endpoints no route resolves to any more (debounced after endpoint changes). */
  private scheduleSweep(): void {
    if (this.sweep) return;
    this.sweep = setTimeout(() => {
      this.sweep = undefined;
      // A timer callback must never throw: an uncaught exception here would end the process.
      try {
        this.sweepPools();
      } catch (err) {
        this.options.logger?.warn({ err: (err as Error).message }, 'ingress: endpoint pool sweep failed; pools kept until the next change');
      }
    }, 1000);
    this.sweep.unref();
  }

  private sweepPools(): void {
    const live = new Set<string>();
    const t = this.options.view.table;
    const hosts = [...t.exactHosts.values(), ...t.wildcardHosts.values(), t.catchAll];
    for (const h of hosts) {
      for (const r of [...h.exact.values(), ...h.prefix.values(), ...(h.fallback ? [h.fallback] : [])]) {
        if (!r.backend) continue;
        const res = this.options.view.resolve(r.backend);
        if (res.kind === 'ok') for (const u of res.upstreams) live.add(u.key);
      }
    }
    this.ctx.pools.retain(live);
  }

  /** Whether the plain-HTTP listener serves simple requests on the fast path (see `fastPath`). */
  get fastPathActive(): boolean {
    return this.fastPathOn.http;
  }

  /** Whether the TLS listener serves simple requests on the fast path, on the decrypted side (see `fastPath`). */
  get tlsFastPathActive(): boolean {
    return this.fastPathOn.https;
  }

  /** Client connections the fast path serves now (not yet handed to node:http), on either listener. */
  get fastConnectionCount(): number {
    return this.fastConnections.size;
  }

  /** Upgraded (WebSocket) client connections currently open. */
  get openTunnels(): number {
    return this.ctx.tunnels.size;
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    if (this.sweep) clearTimeout(this.sweep);
    const servers = [this.http, this.https].filter((s): s is Server => !!s);
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
            for (const c of this.fastConnections) c.destroy();
            // Upgraded sockets are no longer node:http's: without this close() would wait on them.
            this.ctx.tunnels.destroyAll();
          }),
      ),
    );
    await this.ctx.pools.close();
  }
}
