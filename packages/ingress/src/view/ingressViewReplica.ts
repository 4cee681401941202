import { inChunks, SNAPSHOT_CHUNK } from '@svcnet/model';
import { type BackendResolution, backendKey, resolveBackend } from '../routes/backends.js';
import type { IngressView, IngressViewChange, TlsCertificate } from './ingressView.js';
import { compileRouteTable } from '../routes/routeTableBuilder.js';
import type { RouterView } from './routerView.js';
import type { BackendRef, RouteTable } from '../routes/routeTypes.js';

/**
 * What changed in an IngressView, as its replicas need it: the table when it changed, the
 * resolutions of the backends it routes to (null: no longer routed to), and TLS certificates (null:
 * gone). Plain data, so it crosses to a worker thread by structured clone.
 */
export interface RouterUpdate {
  readonly table?: RouteTable;
  readonly resolutions: readonly (readonly [string, BackendResolution | null])[];
  readonly certificates: readonly (readonly [string, TlsCertificate | null])[];
  readonly services: readonly string[];
  readonly secrets: readonly string[];
}

/**
 * A router worker's view: the parent's route table, the resolutions of the backends it routes to
 * and the certificates it names, applied from RouterUpdates. It holds no Ingress, Service,
 * EndpointSlice or Secret objects: only what serving a request reads.
 */
export class IngressViewReplica implements RouterView {
  table: RouteTable = compileRouteTable([]);
  readonly routes = { version: 0 };
  private readonly resolutions = new Map<string, BackendResolution>();
  private readonly certificates = new Map<string, TlsCertificate>();
  private readonly listeners = new Set<(change: IngressViewChange) => void>();

  resolve(ref: BackendRef): BackendResolution {
    // Every backend of the table is sent with it; one that is not is unknown to the parent too.
    return this.resolutions.get(backendKey(ref)) ?? resolveBackend(ref, undefined, []);
  }

  certificate(secret: string): TlsCertificate | undefined {
    return this.certificates.get(secret);
  }

  onChange(listener: (change: IngressViewChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  apply(u: RouterUpdate): void {
    if (u.table) {
      this.table = u.table;
      this.routes.version++;
    }
    for (const [k, r] of u.resolutions) r ? this.resolutions.set(k, r) : this.resolutions.delete(k);
    for (const [k, c] of u.certificates) c ? this.certificates.set(k, c) : this.certificates.delete(k);
    const change: IngressViewChange = { services: new Set(u.services), secrets: new Set(u.secrets) };
    for (const l of [...this.listeners]) l(change);
  }
}

/**
 * The parent's side: turns an IngressView's changes into RouterUpdates, batched per tick. A change
 * of Services costs work for the backends of those Services only; a change of the table sends the
 * table (every Ingress change recompiles hosts; replicas take the table whole).
 */
export class RouterPublisher {
  private readonly sent = new Map<string, BackendResolution>();
  private backends = new Map<string, Map<string, BackendRef>>();
  private tableVersion = -1;
  private services = new Set<string>();
  private secrets = new Set<string>();
  private pending = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly view: IngressView,
    private readonly publish: (u: RouterUpdate) => void,
    private readonly defaultSecret?: string,
  ) {
    this.index();
    this.unsubscribe = view.onChange((c) => {
      for (const s of c.services ?? []) this.services.add(s);
      for (const s of c.secrets ?? []) this.secrets.add(s);
      if (!this.pending) {
        this.pending = true;
        queueMicrotask(() => this.flush());
      }
    });
  }

  /**
   * Everything a new replica needs, as updates of at most `chunk` resolutions each, the table and
   * certificates in the last: applied in order, a replica never holds a table whose backends it has
   * not been told. Smaller messages leave their deserialization garbage to the worker's young
   * generation instead of one table-sized clone in old space (decision 021).
   */
  snapshotUpdates(chunk = SNAPSHOT_CHUNK): RouterUpdate[] {
    const resolutions: [string, BackendResolution][] = [];
    for (const refs of this.backends.values()) for (const [k, ref] of refs) resolutions.push([k, this.view.resolve(ref)]);
    const named = new Set<string>(this.defaultSecret ? [this.defaultSecret] : []);
    for (const t of [...this.view.table.tlsExact.values(), ...this.view.table.tlsWildcard.values()]) if (t.secret) named.add(t.secret);
    const certificates = [...named].map((s) => [s, this.view.certificate(s) ?? null] as const);
    const chunks = inChunks(resolutions, chunk);
    const last = chunks.pop() ?? [];
    const out: RouterUpdate[] = chunks.map((c) => ({ resolutions: c, certificates: [], services: [], secrets: [] }));
    out.push({ table: this.view.table, resolutions: last, certificates, services: [], secrets: [] });
    return out;
  }

  stop(): void {
    this.unsubscribe();
  }

  private flush(): void {
    this.pending = false;
    const tableChanged = this.view.routes.version !== this.tableVersion;
    if (tableChanged) this.index();
    const resolutions: [string, BackendResolution | null][] = [];
    const check = (k: string, ref: BackendRef) => {
      const r = this.view.resolve(ref);
      if (this.sent.get(k) === r) return;
      this.sent.set(k, r);
      resolutions.push([k, r]);
    };
    if (tableChanged) {
      const live = new Set<string>();
      for (const refs of this.backends.values()) for (const [k, ref] of refs) (live.add(k), check(k, ref));
      for (const k of [...this.sent.keys()]) if (!live.has(k)) (this.sent.delete(k), resolutions.push([k, null]));
    } else for (const s of this.services) for (const [k, ref] of this.backends.get(s) ?? []) check(k, ref);
    const certificates = [...this.secrets].map((s) => [s, this.view.certificate(s) ?? null] as const);
    this.publish({ ...(tableChanged ? { table: this.view.table } : {}), resolutions, certificates, services: [...this.services], secrets: [...this.secrets] });
    this.services = new Set();
    this.secrets = new Set();
  }

  /** The backends the table routes to, by Service (`namespace/name`). */
  private index(): void {
    this.tableVersion = this.view.routes.version;
    const t = this.view.table;
    const out = new Map<string, Map<string, BackendRef>>();
    for (const h of [...t.exactHosts.values(), ...t.wildcardHosts.values(), t.catchAll]) {
      for (const r of [...h.exact.values(), ...h.prefix.values(), ...(h.fallback ? [h.fallback] : [])]) {
        if (!r.backend) continue;
        const svc = `${r.backend.namespace}/${r.backend.service}`;
        let m = out.get(svc);
        if (!m) out.set(svc, (m = new Map()));
        m.set(backendKey(r.backend), r.backend);
      }
    }
    this.backends = out;
  }
}
