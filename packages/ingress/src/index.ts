// @svcnet/ingress: an Ingress host/path router. Pure core (compile + match), incremental view, server.
export { BadPathError, matchTypeOf, normaliseRequestPath, pathMatches, prefixCandidates, prefixKey } from './paths.js';
export type { MatchType, NormalisedPath } from './paths.js';
export { hostMatches, isWildcardHost, normaliseHost, wildcardSuffix } from './hosts.js';
export {
  DEFAULT_INGRESS_CLASS,
  classFilter,
  isOurIngress,
  whyNotOurs,
} from './ingressClass.js';
export type { ClassFilter, IngressClassOptions } from './ingressClass.js';
export { backendRef, compileHost, ingressKey, ingressOrder } from './compileHost.js';
export { RouteTableBuilder, compileRouteTable } from './routeTableBuilder.js';
export type { RouteTableChange } from './routeTableBuilder.js';
export { findHost, findTls, matchPath, matchRequest } from './matcher.js';
export { backendText, formatRouteTable, routeRows } from './routeTableText.js';
export type { RouteRow } from './routeTableText.js';
export type { BackendRef, HostRoutes, Route, RouteConflict, RouteMatch, RouteTable, TlsHost } from './routeTypes.js';
export { backendKey, resolveBackend, slicesFromEndpoints } from './backends.js';
export type { BackendResolution, Upstream } from './backends.js';
export { IngressView } from './ingressView.js';
export type { IngressViewChange, IngressViewOptions, TlsCertificate } from './ingressView.js';
export { INGRESS_INPUT_KINDS, watchIngressInputs } from './watchIngressInputs.js';
export type { WatchIngressInputsOptions } from './watchIngressInputs.js';
export { IngressServer } from './ingressServer.js';
export { FAKE_CERTIFICATE_NAME, fakeCertificate } from './fakeCertificate.js';
export type { IngressServerOptions, ListenAddress } from './ingressServer.js';
export { IngressWorkers, ingressServerFor } from './ingressWorkers.js';
export type { IngressWorkerReady, IngressWorkersOptions } from './ingressWorkers.js';
export { IngressViewReplica, RouterPublisher } from './ingressViewReplica.js';
export type { RouterUpdate } from './ingressViewReplica.js';
export type { RouterView } from './routerView.js';
export type { IngressLogger } from './proxyContext.js';
export { IngressMetrics, METRIC_NAMES } from './metrics.js';
export { TrustedProxies, TrustedProxyError } from './clientAddress.js';
export { SERVER_HEADER } from './errorResponses.js';
