import type { IngressView } from './ingressView.js';
import type { ProxyContext } from './proxyContext.js';
import { routeTarget } from './proxyHandler.js';
import type { Routed } from './proxyHandler.js';
import type { RequestHeadScan } from './requestHeadParser.js';

export type ProxyRouted = Extract<Routed, { kind: 'proxy' }>;

/** A fast-path request's route: what routeTarget answered for its (Host header, target). */
export interface CachedRoute {
  readonly routed: ProxyRouted;
  /** The normalised target to send, as latin1 bytes, when it is not the client's own; else undefined. */
  readonly forward: Uint8Array | undefined;
}

/** Beyond this many entries the cache starts again (bounds memory against random targets). */
const MAX_ENTRIES = 4096;

/**
 * routeTarget's proxy answers for one IngressView, by raw Host header and target, for the plain-HTTP
 * fast path. Every answer depends only on the route table, the backends' endpoint resolutions and
 * ctx.httpsPort, so the whole cache is dropped whenever the view reports a change (its onChange fires
 * for every object upsert or delete: Ingresses, IngressClasses, Services, EndpointSlices, Endpoints,
 * Secrets). As a backstop for table changes made without an event (IngressView.load's
 * IngressClasses), it is also dropped when the count of recompiled hosts, the TLS hosts or
 * httpsPort differ from when it was filled. Answers other than 'proxy' are not kept: those requests
 * go to node:http, which routes them again.
 */
export class ViewRoutes {
  /** Bumped on every drop: a connection's remembered route is good while this is unchanged. */
  generation = 0;
  private byHost = new Map<string, Map<string, CachedRoute>>();
  private size = 0;
  private compiledHosts = -1;
  private tlsHosts = -1;
  private httpsPort: number | undefined;

  constructor(view: IngressView) {
    view.onChange(() => this.drop());
  }

  /** Drops the cache if the view or context changed without an event. Call before each lookup. */
  check(ctx: ProxyContext): void {
    const view = ctx.view;
    const table = view.table;
    if (view.routes.compiledHosts !== this.compiledHosts || table.tlsExact.size + table.tlsWildcard.size !== this.tlsHosts || ctx.httpsPort !== this.httpsPort) {
      this.drop();
      this.compiledHosts = view.routes.compiledHosts;
      this.tlsHosts = table.tlsExact.size + table.tlsWildcard.size;
      this.httpsPort = ctx.httpsPort;
    }
  }

  private drop(): void {
    this.generation++;
    this.byHost = new Map();
    this.size = 0;
  }

  /** The route of a request, or undefined when node:http's path must answer it. */
  route(ctx: ProxyContext, target: string, host: string): CachedRoute | undefined {
    let targets = this.byHost.get(host);
    const hit = targets?.get(target);
    if (hit) return hit;
    let routed: Routed;
    try {
      routed = routeTarget(ctx, target, host, 'http');
    } catch {
      return undefined; // node:http's path logs it and answers 500
    }
    if (routed.kind !== 'proxy') return undefined;
    const entry: CachedRoute = { routed, forward: routed.forward === target ? undefined : Buffer.from(routed.forward, 'latin1') };
    if (this.size >= MAX_ENTRIES) {
      // Not a view change: connections may keep the routes they remember (no generation bump).
      this.byHost = new Map();
      this.size = 0;
      targets = undefined;
    }
    if (!targets) this.byHost.set(host, (targets = new Map()));
    targets.set(target, entry);
    this.size++;
    return entry;
  }
}

const shared = new WeakMap<IngressView, ViewRoutes>();

/** The route cache of a view (one per view, made on first use). */
export function viewRoutes(view: IngressView): ViewRoutes {
  let r = shared.get(view);
  if (!r) shared.set(view, (r = new ViewRoutes(view)));
  return r;
}

function sameBytes(buf: Buffer, from: number, to: number, bytes: Uint8Array): boolean {
  if (to - from !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (buf[from + i] !== bytes[i]) return false;
  return true;
}

/**
 * One client connection's last route, recognised by the bytes of its target and Host value: a
 * keep-alive client mostly repeats both, and comparing bytes is cheaper than making the strings a
 * Map lookup needs.
 */
export class ConnectionRoutes {
  private last: CachedRoute | undefined;
  private generation = -1;
  private target: Uint8Array = new Uint8Array(0);
  private host: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly ctx: ProxyContext,
    private readonly shared: ViewRoutes = viewRoutes(ctx.view),
  ) {}

  /** The route of a scanned request, or undefined when node:http's path must answer it. */
  find(head: RequestHeadScan): CachedRoute | undefined {
    const shared = this.shared;
    shared.check(this.ctx);
    const buf = head.buf;
    if (
      this.last !== undefined &&
      this.generation === shared.generation &&
      sameBytes(buf, head.targetStart, head.targetEnd, this.target) &&
      sameBytes(buf, head.hostStart, head.hostEnd, this.host)
    ) {
      return this.last;
    }
    const r = shared.route(this.ctx, buf.toString('latin1', head.targetStart, head.targetEnd), buf.toString('latin1', head.hostStart, head.hostEnd));
    if (r) {
      this.last = r;
      this.generation = shared.generation;
      this.target = new Uint8Array(buf.subarray(head.targetStart, head.targetEnd));
      this.host = new Uint8Array(buf.subarray(head.hostStart, head.hostEnd));
    }
    return r;
  }
}
