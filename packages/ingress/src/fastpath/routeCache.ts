import { FNV1A_OFFSET, fnv1aBytes, fnv1aStep } from '@svcnet/model';
import type { RouterView } from '../view/routerView.js';
import type { ProxyContext, Routed } from '../proxy/proxyContext.js';
import { routeTarget } from '../proxy/proxyHandler.js';
import type { RequestHeadScan } from '../http1/requestHeadParser.js';

export type ProxyRouted = Extract<Routed, { kind: 'proxy' }>;

/** A fast-path request's route: what routeTarget answered for its (Host header, target). */
export interface CachedRoute {
  readonly routed: ProxyRouted;
  /** The normalised target to send, as latin1 bytes, when it is not the client's own; else undefined. */
  readonly forward: Uint8Array | undefined;
}

/** Beyond this many entries the cache starts again (bounds memory against random targets). */
const MAX_ENTRIES = 4096;
/** Target and Host value within this many bytes are decoded together. */
const ONE_DECODE = 512;

/** Latin1 bytes in their own memory: a long-lived Buffer from Node's pool would keep its whole 8 KiB slab alive. */
function unpooled(text: string): Buffer {
  const b = Buffer.allocUnsafeSlow(text.length);
  b.write(text, 0, 'latin1');
  return b;
}

/** A cached route and the request bytes it answers: the target's, then the Host value's. */
class RouteEntry implements CachedRoute {
  constructor(
    readonly routed: ProxyRouted,
    readonly forward: Uint8Array | undefined,
    /** The target's bytes, then the Host value's: a plain array, so no cached entry pins a Buffer pool slab. */
    private readonly key: number[],
    private readonly targetLength: number,
  ) {}

  /** Whether a head has this entry's target and Host value, byte for byte. */
  matches(head: RequestHeadScan): boolean {
    const { buf, targetStart, hostStart } = head;
    const key = this.key;
    const tl = this.targetLength;
    const hl = key.length - tl;
    if (head.targetEnd - targetStart !== tl || head.hostEnd - hostStart !== hl) return false;
    for (let i = 0; i < tl; i++) if (buf[targetStart + i] !== key[i]) return false;
    for (let i = 0; i < hl; i++) if (buf[hostStart + i] !== key[tl + i]) return false;
    return true;
  }
}

/** FNV-1a over the target's bytes, a separator, then the Host value's; a small integer (a Smi). */
export function hashOf(head: RequestHeadScan): number {
  const buf = head.buf;
  let h = fnv1aBytes(FNV1A_OFFSET, buf, head.targetStart, head.targetEnd);
  h = fnv1aStep(h, 0x20);
  h = fnv1aBytes(h, buf, head.hostStart, head.hostEnd);
  return h & 0x3fffffff;
}

/**
 * routeTarget's proxy answers for one IngressView, by raw Host header and target, for the plain-HTTP
 * fast path. Every answer depends only on the route table, the backends' endpoint resolutions and
 * ctx.httpsPort, so the whole cache is dropped whenever the view reports a change (its onChange fires
 * for every object upsert or delete: Ingresses, IngressClasses, Services, EndpointSlices, Endpoints,
 * Secrets). As a backstop for table changes made without an event (a caller using
 * `view.routes` directly), it is also dropped when the table's version or httpsPort differ from
 * when it was filled. Answers other than 'proxy' are not kept: those requests
 * go to node:http, which routes them again. A Host routeTarget refuses (hostHeader.ts) is such an
 * answer (400), so every cached entry's Host bytes passed those checks: a hit needs no check. Entries are found by a hash of the request's bytes and
 * confirmed byte for byte, so a hit makes no string; a hash collision just replaces the entry.
 */
export class ViewRoutes {
  /** Bumped on every drop: a connection's remembered route is good while this is unchanged. */
  generation = 0;
  private entries = new Map<number, RouteEntry>();
  private tableVersion = -1;
  private httpsPort: number | undefined;

  constructor(view: RouterView) {
    view.onChange(() => this.drop());
  }

  /** Drops the cache if the view or context changed without an event. Call before each lookup. */
  check(ctx: ProxyContext): void {
    const version = ctx.view.routes.version;
    if (version !== this.tableVersion || ctx.httpsPort !== this.httpsPort) {
      this.drop();
      this.tableVersion = version;
      this.httpsPort = ctx.httpsPort;
    }
  }

  private drop(): void {
    this.generation++;
    this.entries = new Map();
  }

  /** The route of a scanned request, or undefined when node:http's path must answer it. */
  find(ctx: ProxyContext, head: RequestHeadScan): RouteEntry | undefined {
    const hash = hashOf(head);
    const hit = this.entries.get(hash);
    if (hit !== undefined && hit.matches(head)) return hit;
    const { buf, targetStart, targetEnd, hostStart, hostEnd } = head;
    let target: string;
    let host: string;
    if (hostStart > targetEnd && hostEnd - targetStart <= ONE_DECODE) {
      // Host is usually the first header: one decode (a native call) covers both strings.
      const text = buf.toString('latin1', targetStart, hostEnd);
      target = text.slice(0, targetEnd - targetStart);
      host = text.slice(hostStart - targetStart);
    } else {
      target = buf.toString('latin1', targetStart, targetEnd);
      host = buf.toString('latin1', hostStart, hostEnd);
    }
    let routed: Routed;
    try {
      routed = routeTarget(ctx, target, host, 'http');
    } catch {
      return undefined; // node:http's path logs it and answers 500
    }
    if (routed.kind !== 'proxy') return undefined;
    const key: number[] = [];
    for (let i = targetStart; i < targetEnd; i++) key.push(buf[i]!);
    for (let i = hostStart; i < hostEnd; i++) key.push(buf[i]!);
    const entry = new RouteEntry(routed, routed.forward === target ? undefined : unpooled(routed.forward), key, targetEnd - targetStart);
    // Not a view change when full: connections may keep the routes they remember (no generation bump).
    if (this.entries.size >= MAX_ENTRIES) this.entries = new Map();
    this.entries.set(hash, entry);
    return entry;
  }
}

const shared = new WeakMap<RouterView, ViewRoutes>();

/** The route cache of a view (one per view, made on first use). */
export function viewRoutes(view: RouterView): ViewRoutes {
  let r = shared.get(view);
  if (!r) shared.set(view, (r = new ViewRoutes(view)));
  return r;
}

/**
 * One client connection's last route: a keep-alive client mostly repeats its target and Host, and
 * comparing their bytes with the last entry's is cheaper still than hashing them.
 */
export class ConnectionRoutes {
  private last: RouteEntry | undefined;
  private generation = -1;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly shared: ViewRoutes = viewRoutes(ctx.view),
  ) {}

  /** The route of a scanned request, or undefined when node:http's path must answer it. */
  find(head: RequestHeadScan): CachedRoute | undefined {
    const shared = this.shared;
    shared.check(this.ctx);
    if (this.last !== undefined && this.generation === shared.generation && this.last.matches(head)) return this.last;
    const r = shared.find(this.ctx, head);
    if (r) {
      this.last = r;
      this.generation = shared.generation;
    }
    return r;
  }
}
