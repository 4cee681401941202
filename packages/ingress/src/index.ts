// @svcnet/ingress: an Ingress host/path router. Pure core (compile + match), incremental view, server.
export { BadPathError, normaliseRequestPath, pathMatches, prefixKey } from './routes/paths.js';
export type { MatchType, NormalisedPath } from './routes/paths.js';
export { hostMatches, normaliseHost } from './routes/hosts.js';
export {
  DEFAULT_INGRESS_CLASS,
  classFilter,
  isOurIngress,
  whyNotOurs,
} from './routes/ingressClass.js';
export type { ClassFilter, IngressClassOptions } from './routes/ingressClass.js';
export { RouteTableBuilder, compileRouteTable } from './routes/routeTableBuilder.js';
export type { RouteTableChange } from './routes/routeTableBuilder.js';
export { findHost, findTls, matchPath, matchRequest } from './routes/matcher.js';
export { backendText, formatRouteTable, routeRows } from './routes/routeTableText.js';
export type { RouteRow } from './routes/routeTableText.js';
export type { BackendRef, HostRoutes, Route, RouteConflict, RouteMatch, RouteTable, TlsHost } from './routes/routeTypes.js';
export { resolveBackend, slicesFromEndpoints } from './routes/backends.js';
export type { BackendResolution, Upstream } from './routes/backends.js';
export { IngressView } from './view/ingressView.js';
export type { IngressViewChange, IngressViewOptions, TlsCertificate } from './view/ingressView.js';
export { watchIngressInputs } from './view/watchIngressInputs.js';
export type { WatchIngressInputsOptions } from './view/watchIngressInputs.js';
export { IngressServer } from './server/ingressServer.js';
export { FAKE_CERTIFICATE_NAME, fakeCertificate } from './tls/fakeCertificate.js';
export type { IngressServerOptions, ListenAddress } from './server/ingressServer.js';
export { IngressWorkers, ingressServerFor } from './server/ingressWorkers.js';
export type { IngressWorkerReady, IngressWorkersOptions } from './server/ingressWorkers.js';
export { IngressViewReplica, RouterPublisher } from './view/ingressViewReplica.js';
export type { RouterUpdate } from './view/ingressViewReplica.js';
export type { RouterView } from './view/routerView.js';
export type { IngressLogger } from './view/ingressLogger.js';
export { IngressMetrics, METRIC_NAMES } from './proxy/metrics.js';
export { TrustedProxies, TrustedProxyError } from './http1/clientAddress.js';
export { SERVER_HEADER } from './http1/errorResponses.js';
