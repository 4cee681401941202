import type { EndpointSlice, Endpoints, Ingress, IngressClass, KubeObject, Secret, Service } from '@svcnet/model';
import { SECRET_TYPE_TLS, isKind, objectKey, shapeErrors, sliceServiceKey } from '@svcnet/model';
import { backendKey, resolveBackend, slicesFromEndpoints } from '../routes/backends.js';
import { KeptBackendObjects, type BackendObjects } from './backendObjects.js';
import type { BackendResolution } from '../routes/backends.js';
import { ingressKey } from '../routes/compileHost.js';
import type { IngressClassOptions } from '../routes/ingressClass.js';
import type { IngressLogger } from './ingressLogger.js';
import { RouteTableBuilder } from '../routes/routeTableBuilder.js';
import type { RouteTableChange } from '../routes/routeTableBuilder.js';
import type { BackendRef, RouteTable } from '../routes/routeTypes.js';

/** A PEM certificate chain and key from a kubernetes.io/tls Secret. */
export interface TlsCertificate {
  readonly cert: string;
  readonly key: string;
}

/** What one object change affected, for the server (reload certificates) and logs. */
export interface IngressViewChange {
  readonly routes?: RouteTableChange;
  /** `namespace/name` of Services whose endpoints may have changed. */
  readonly services?: ReadonlySet<string>;
  /** `namespace/name` of TLS Secrets that changed. */
  readonly secrets?: ReadonlySet<string>;
}

/**
 * How changes to backends' objects read from elsewhere (IngressView.readBackendsFrom) reach the view:
 * checked as upsert checks them, then only the cached resolutions of the Services they touch are
 * dropped. `old` is the previous version of a modified object (an EndpointSlice may have moved to
 * another Service).
 */
export interface BackendFeed {
  upsert(obj: KubeObject, old?: KubeObject): void;
  delete(obj: KubeObject): void;
}

export interface IngressViewOptions extends IngressClassOptions {
  /** Where skipped malformed objects are reported (default: console.error). */
  logger?: IngressLogger;
}


/**
 * What is wrong with the JSON shape of an object read from a store, or undefined when the router can
 * use it. A store can hold objects written around validation (raw Redis, a buggy client): the view
 * checks them with model's shape check (the one admit runs, with the API server's field paths and
 * wording) and skips what fails, instead of throwing later inside a request or a timer.
 */
function shapeProblem(obj: KubeObject): string | undefined {
  const raw: unknown = obj;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'object: must be a JSON object';
  if (!isKind(obj.kind)) return undefined;
  const errors = shapeErrors(obj.kind, raw as Record<string, unknown>);
  return errors.length > 0 ? errors.map(String).join(', ') : undefined;
}

/** The Service whose backends an object feeds (`namespace/name`), if any. */
function backendServiceKey(obj: Service | EndpointSlice | Endpoints): string | undefined {
  return obj.kind === 'EndpointSlice' ? sliceServiceKey(obj as EndpointSlice) : objectKey(obj);
}

function decode(data: Record<string, string> | undefined, stringData: Record<string, string> | undefined, field: string): string | undefined {
  if (stringData?.[field]) return stringData[field];
  const b64 = data?.[field];
  return b64 ? Buffer.from(b64, 'base64').toString('utf8') : undefined;
}

/**
 * The router's input, kept up to date one object at a time: the route table (recompiled per host),
 * the Services and EndpointSlices behind backends (resolved lazily and cached per backend, the cache
 * dropped per Service when that Service or one of its slices changes), and TLS Secrets.
 * Feed it from informers (watchIngressInputs: the Services, slices and Endpoints are read from the
 * informers, never copied) or from plain arrays (tests, `svcnet render`: the view keeps them).
 */
export class IngressView {
  readonly routes: RouteTableBuilder;
  /** Services, slices and Endpoints given to upsert/load (none in the agent). */
  private readonly kept = new KeptBackendObjects();
  /** Where the rest are read (the store's informers), if anywhere. */
  private read: BackendObjects | undefined;
  private readonly resolved = new Map<string, BackendResolution>();
  private readonly resolvedByService = new Map<string, Set<string>>();
  private readonly secrets = new Map<string, TlsCertificate>();
  private readonly listeners = new Set<(change: IngressViewChange) => void>();
  private readonly logger: IngressLogger | undefined;
  /** Objects skipped because of their shape (`Kind namespace/name`), for tests and status. */
  readonly skipped = new Set<string>();

  constructor(options: IngressViewOptions = {}) {
    this.routes = new RouteTableBuilder(options);
    this.logger = options.logger;
  }

  get table(): RouteTable {
    return this.routes.table;
  }

  onChange(listener: (change: IngressViewChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The ready endpoints of a backend (cached until its Service or slices change). */
  resolve(ref: BackendRef): BackendResolution {
    const key = backendKey(ref);
    const hit = this.resolved.get(key);
    if (hit) return hit;
    const svcKey = `${ref.namespace}/${ref.service}`;
    const res = resolveBackend(ref, this.kept.service(svcKey) ?? this.read?.service(svcKey), this.slicesOf(svcKey));
    this.resolved.set(key, res);
    let set = this.resolvedByService.get(svcKey);
    if (!set) this.resolvedByService.set(svcKey, (set = new Set()));
    set.add(key);
    return res;
  }

  /**
   * A Service's EndpointSlices, kept and read; without any, its Endpoints seen as slices (as the
   * EndpointSlice mirroring controller would write them).
   */
  private slicesOf(svcKey: string): Iterable<EndpointSlice> {
    const kept = [...this.kept.endpointSlices(svcKey)];
    const read = this.read ? [...this.read.endpointSlices(svcKey)] : [];
    if (kept.length > 0 || read.length > 0) return read.length === 0 ? kept : kept.concat(read);
    const endpoints = this.kept.endpoints(svcKey) ?? this.read?.endpoints(svcKey);
    return endpoints ? slicesFromEndpoints(endpoints) : [];
  }

  /**
   * Reads Services, EndpointSlices and Endpoints from `objects` as well (the store's informers, which
   * hold them anyway) instead of keeping a copy: the view keeps only what its resolved backends
   * came to (issue 18: the agent's view held every Service and slice of the cluster though Ingresses
   * name a tenth of them). Objects given to upsert/load are still kept and read first. Changes to
   * `objects` come through the returned feed.
   */
  readBackendsFrom(objects: BackendObjects): BackendFeed {
    this.read = objects;
    if (this.resolvedByService.size > 0) this.emit({ services: this.invalidate([...this.resolvedByService.keys()]) });
    return {
      upsert: (obj, old) => this.apply(obj, false, old),
      delete: (obj) => this.emit(this.change(obj, true, false)),
    };
  }

  /** The certificate in a TLS Secret (`namespace/name`), if present and well-formed. */
  certificate(secret: string): TlsCertificate | undefined {
    return this.secrets.get(secret);
  }

  /** Adds or replaces any object the router cares about; other kinds are ignored. */
  upsert(obj: KubeObject): void {
    this.apply(obj, true);
  }

  /** upsert, keeping the object (`keep`) or only dropping what it changes (read elsewhere). */
  private apply(obj: KubeObject, keep: boolean, old?: KubeObject): void {
    const problem = shapeProblem(obj);
    if (problem === undefined) {
      let change: IngressViewChange | undefined;
      try {
        change = this.change(obj, false, keep, old);
      } catch (err) {
        // Last line of defence for shapes no check covers (an Ingress compile that throws).
        this.skip(obj, (err as Error).message);
        return;
      }
      this.skipped.delete(`${obj.kind} ${objectKey(obj)}`);
      this.emit(change);
      return;
    }
    // A write that bypassed validation: log it and drop any earlier version of the object, so
    // nothing downstream (requests, the pool sweep) ever sees a shape it cannot read.
    this.skip(obj, problem);
    if (typeof obj === 'object' && obj !== null) this.emit(this.change(obj, true, keep, old));
  }

  delete(obj: KubeObject): void {
    this.emit(this.change(obj, true, true));
  }

  /** Loads a set of objects at once (manifests): IngressClasses first so ownership is decided once. */
  load(objects: readonly KubeObject[]): void {
    const classes = objects.filter((o): o is IngressClass => o.kind === 'IngressClass');
    if (classes.length) this.emit({ routes: this.routes.setIngressClasses(classes) });
    for (const o of objects) if (o.kind !== 'IngressClass') this.upsert(o);
  }

  private skip(obj: KubeObject, problem: string): void {
    if (typeof obj !== 'object' || obj === null) obj = { kind: String(obj) } as unknown as KubeObject;
    const id = `${obj.kind} ${objectKey(obj)}`;
    this.skipped.add(id);
    const msg = `ingress: skipping ${obj.kind} "${objectKey(obj)}": ${problem} (written around validation? fix or delete the object)`;
    const log = this.logger?.error ?? this.logger?.warn;
    if (log) log.call(this.logger, { kind: obj.kind, key: objectKey(obj), problem }, msg);
    else console.error(msg);
  }

  private emit(change: IngressViewChange | undefined): void {
    if (!change) return;
    for (const l of [...this.listeners]) l(change);
  }

  private change(obj: KubeObject, deleted: boolean, keep: boolean, old?: KubeObject): IngressViewChange | undefined {
    switch (obj.kind) {
      case 'Ingress':
        return { routes: deleted ? this.routes.delete(ingressKey(obj as Ingress)) : this.routes.upsert(obj as Ingress) };
      case 'IngressClass': {
        const name = obj.metadata?.name ?? '';
        return { routes: deleted ? this.routes.deleteIngressClass(name) : this.routes.upsertIngressClass(obj as IngressClass) };
      }
      case 'Service':
      case 'EndpointSlice':
      case 'Endpoints': {
        const backendObj = obj as Service | EndpointSlice | Endpoints;
        if (keep) return { services: this.invalidate(this.kept.keep(backendObj, deleted)) };
        return { services: this.invalidate([backendServiceKey(backendObj), old && backendServiceKey(old as typeof backendObj)].filter((k): k is string => !!k)) };
      }
      case 'Secret':
        return this.secretChanged(obj as Secret, deleted);
      default:
        return undefined;
    }
  }

  private invalidate(serviceKeys: Iterable<string>): Set<string> {
    const out = new Set<string>();
    for (const svc of serviceKeys) {
      out.add(svc);
      for (const k of this.resolvedByService.get(svc) ?? []) this.resolved.delete(k);
      this.resolvedByService.delete(svc);
    }
    return out;
  }

  private secretChanged(secret: Secret, deleted: boolean): IngressViewChange | undefined {
    const key = objectKey(secret);
    const cert = decode(secret.data, secret.stringData, 'tls.crt');
    const pem = decode(secret.data, secret.stringData, 'tls.key');
    const had = this.secrets.has(key);
    if (deleted || secret.type !== SECRET_TYPE_TLS || !cert || !pem) {
      if (!had) return undefined;
      this.secrets.delete(key);
    } else {
      this.secrets.set(key, { cert, key: pem });
    }
    return { secrets: new Set([key]) };
  }
}
