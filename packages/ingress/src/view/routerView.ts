import type { BackendResolution } from '../routes/backends.js';
import type { IngressViewChange, TlsCertificate } from './ingressView.js';
import type { BackendRef, RouteTable } from '../routes/routeTypes.js';

/**
 * What the router reads to serve requests: the route table, backend resolutions, TLS certificates
 * and a change feed. An IngressView (fed from the store) is one; an IngressViewReplica (in a router
 * worker, fed by the parent's view) is the other.
 */
export interface RouterView {
  readonly table: RouteTable;
  /** `version` moves whenever the table changes (caches keyed on the table check it). */
  readonly routes: { readonly version: number };
  resolve(ref: BackendRef): BackendResolution;
  certificate(secret: string): TlsCertificate | undefined;
  onChange(listener: (change: IngressViewChange) => void): () => void;
}
