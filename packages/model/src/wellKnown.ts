/**
 * Kubernetes' well-known label, annotation and value names, spelled once (k8s.io/api
 * core/v1/well_known_labels.go and annotation_key_constants.go, discovery/v1/well_known_labels.go,
 * networking/v1), beside svcnet's own `svcnet.io/` names. Every other package imports these: a
 * second spelling is a future bug (CONVENTIONS "Lessons"); wellKnown.test.ts fails on one.
 */

// --- Labels (discovery/v1/well_known_labels.go, core/v1/well_known_labels.go) ---
/** On an EndpointSlice: the name of the Service it belongs to. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** On an EndpointSlice: the controller that manages it (values below). */
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
/** On an Endpoints object: "true" keeps the mirroring controller from making slices of it. */
export const LABEL_SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';
/** On Endpoints and EndpointSlices of a headless Service (core/v1 IsHeadlessService). */
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';
/** On a Node: its zone (topology hints, EndpointSlice endpoints[].zone). */
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
/** On a Node: its hostname. */
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
/** On a Node: its operating system and architecture (GOOS, GOARCH). */
export const LABEL_OS = 'kubernetes.io/os';
export const LABEL_ARCH = 'kubernetes.io/arch';
/** On a Node: a role is the rest of a label key with this prefix (kubectl's get nodes ROLES column). */
export const LABEL_NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
/** On a Node: the older role label, whose value is the role. */
export const LABEL_ROLE = 'kubernetes.io/role';
/** On a StatefulSet's Pod: its name and its ordinal (apps/v1 types.go). */
export const LABEL_STATEFULSET_POD_NAME = 'statefulset.kubernetes.io/pod-name';
export const LABEL_POD_INDEX = 'apps.kubernetes.io/pod-index';

// --- Annotations (core/v1/annotation_key_constants.go, networking/v1) ---
/** On Endpoints and EndpointSlices: when the last Pod or Service change that updated them happened. */
export const ANNOTATION_LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
/** On Endpoints: set to "truncated" when more than 1000 addresses were cut. */
export const ANNOTATION_OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';
/** Written by kubectl apply; the mirroring controller leaves it off the slices it makes. */
export const ANNOTATION_LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** The leader record of Endpoints-based leader election; never mirrored. */
export const ANNOTATION_LEADER_ELECTION = 'control-plane.alpha.kubernetes.io/leader';
/** On a Service: the topology mode ("Auto"), and its deprecated spelling. */
export const ANNOTATION_TOPOLOGY_MODE = 'service.kubernetes.io/topology-mode';
export const ANNOTATION_TOPOLOGY_AWARE_HINTS = 'service.kubernetes.io/topology-aware-hints';
/** On a Service of type LoadBalancer: the allowed source ranges, comma-separated. */
export const ANNOTATION_LOAD_BALANCER_SOURCE_RANGES = 'service.beta.kubernetes.io/load-balancer-source-ranges';
/** On an Ingress: the deprecated class annotation (before spec.ingressClassName). */
export const ANNOTATION_INGRESS_CLASS = 'kubernetes.io/ingress.class';
/** On an IngressClass: "true" makes it the default class. */
export const ANNOTATION_IS_DEFAULT_INGRESS_CLASS = 'ingressclass.kubernetes.io/is-default-class';

// --- Values ---
/**
 * managed-by values. svcnet writes slices under upstream's own controller names, so that tools which
 * filter on them (kubectl, kube-proxy, CoreDNS) treat svcnet's slices exactly like a cluster's.
 */
export const ENDPOINTSLICE_CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
/** Secret types (core/v1 SecretType). */
export const SECRET_TYPE_TLS = 'kubernetes.io/tls';
export const SECRET_TYPE_BASIC_AUTH = 'kubernetes.io/basic-auth';
export const SECRET_TYPE_SSH_AUTH = 'kubernetes.io/ssh-auth';
export const SECRET_TYPE_SERVICE_ACCOUNT_TOKEN = 'kubernetes.io/service-account-token';
/** On a service-account-token Secret: the ServiceAccount it belongs to. */
export const ANNOTATION_SERVICE_ACCOUNT_NAME = 'kubernetes.io/service-account.name';

// --- svcnet's own names ---
/** On a bare manifest Pod: the address(es) it has (a network namespace, a lab host), comma-separated. */
export const ANNOTATION_POD_IPS = 'svcnet.io/pod-ips';
/** On objects a source wrote: which source (so a source removes only its own). */
export const ANNOTATION_SOURCE = 'svcnet.io/source';
/** spec.loadBalancerClass of Services whose addresses svcnet's LoadBalancer controller assigns. */
export const LOADBALANCER_CLASS = 'svcnet.io/loadbalancer';
/** spec.controller of the IngressClasses svcnet's ingress router serves by default. */
export const DEFAULT_INGRESS_CONTROLLER = 'svcnet.io/ingress';
