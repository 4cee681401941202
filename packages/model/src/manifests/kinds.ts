import { levenshtein } from '../levenshtein.js';
import { API_VERSIONS } from '../objects.js';

/** Every kind a manifest may hold, with the apiVersion it is served under: the stored kinds plus the workloads the simulator expands. */
export const MANIFEST_KINDS: Readonly<Record<string, string>> = {
  ...API_VERSIONS,
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
};

/** Versions that Kubernetes once served for a kind and has removed, with the release that removed them. */
const REMOVED: Readonly<Record<string, string>> = {
  'Ingress extensions/v1beta1': '1.22',
  'Ingress networking.k8s.io/v1beta1': '1.22',
  'IngressClass networking.k8s.io/v1beta1': '1.22',
  'Deployment extensions/v1beta1': '1.16',
  'Deployment apps/v1beta1': '1.16',
  'Deployment apps/v1beta2': '1.16',
  'StatefulSet apps/v1beta1': '1.16',
  'StatefulSet apps/v1beta2': '1.16',
  'EndpointSlice discovery.k8s.io/v1beta1': '1.25',
};

/**
 * Kinds the Kubernetes API serves that svcnet has no use for, by API group ('' is the core group). A
 * manifest holding them (a Namespace, a ConfigMap, RBAC, a DaemonSet...) is read and left alone, as
 * a cluster dump or a Helm chart's output always contains some; a kind that is none of these in a
 * built-in group is a typo and an error.
 */
const OTHER_BUILTIN_KINDS: Readonly<Record<string, readonly string[]>> = {
  '': ['Binding', 'ComponentStatus', 'ConfigMap', 'Event', 'LimitRange', 'Namespace', 'PersistentVolume', 'PersistentVolumeClaim', 'PodTemplate', 'ReplicationController', 'ResourceQuota', 'ServiceAccount'],
  apps: ['ControllerRevision', 'DaemonSet', 'ReplicaSet'],
  batch: ['CronJob', 'Job'],
  autoscaling: ['HorizontalPodAutoscaler'],
  policy: ['PodDisruptionBudget'],
  'rbac.authorization.k8s.io': ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
  'networking.k8s.io': ['IPAddress', 'NetworkPolicy', 'ServiceCIDR'],
  'storage.k8s.io': ['CSIDriver', 'CSINode', 'CSIStorageCapacity', 'StorageClass', 'VolumeAttachment'],
  'scheduling.k8s.io': ['PriorityClass'],
  'coordination.k8s.io': ['Lease'],
  'node.k8s.io': ['RuntimeClass'],
  'events.k8s.io': ['Event'],
  'certificates.k8s.io': ['CertificateSigningRequest'],
  'admissionregistration.k8s.io': ['MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ValidatingWebhookConfiguration'],
  'apiextensions.k8s.io': ['CustomResourceDefinition'],
  'apiregistration.k8s.io': ['APIService'],
  'flowcontrol.apiserver.k8s.io': ['FlowSchema', 'PriorityLevelConfiguration'],
  'discovery.k8s.io': [],
};

/** The API group of an apiVersion (`apps/v1` -> `apps`, `v1` -> ''). */
function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * Whether a document of this kind and apiVersion is one svcnet leaves alone: another built-in kind
 * (`v1 ConfigMap`, `apps/v1 DaemonSet`), or any kind of a group that is not built in (a custom
 * resource such as `cert-manager.io/v1 Certificate`). A kind svcnet handles never is.
 */
export function isOtherKind(kind: string, apiVersion: unknown): boolean {
  if (Object.prototype.hasOwnProperty.call(MANIFEST_KINDS, kind)) return false;
  if (typeof apiVersion !== 'string' || apiVersion === '') return Object.values(OTHER_BUILTIN_KINDS).some((kinds) => kinds.includes(kind));
  const group = groupOf(apiVersion);
  const builtin = OTHER_BUILTIN_KINDS[group];
  if (builtin) return builtin.includes(kind);
  // Groups of the kinds svcnet handles, and their removed versions, are built in too.
  const handledGroups = new Set(Object.values(MANIFEST_KINDS).map(groupOf));
  return !handledGroups.has(group) && group !== 'extensions';
}

/** `List` and typed lists such as `ServiceList`, which hold their objects in `items`. */
export function isListKind(kind: string): boolean {
  return kind === 'List' || (kind.endsWith('List') && kind.length > 4);
}

/** The closest known kind, for `did you mean` hints (case slips and small typos). */
export function suggestKind(kind: string): string | undefined {
  const known = Object.keys(MANIFEST_KINDS);
  const exactCase = known.find((k) => k.toLowerCase() === kind.toLowerCase());
  if (exactCase) return exactCase;
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const dd = levenshtein(kind.toLowerCase(), k.toLowerCase());
    if (dd < bestD) {
      best = k;
      bestD = dd;
    }
  }
  return best;
}

/** Why `apiVersion` is wrong for `kind`, or undefined when it is the served one. */
export function apiVersionProblem(kind: string, apiVersion: string): string | undefined {
  const want = MANIFEST_KINDS[kind];
  if (!want || apiVersion === want) return undefined;
  const prefix = `apiVersion ${JSON.stringify(apiVersion)} is not served for kind ${kind}`;
  const removedIn = REMOVED[`${kind} ${apiVersion}`];
  if (removedIn) return `${prefix}: it was removed in Kubernetes ${removedIn}; use ${JSON.stringify(want)}`;
  if (levenshtein(apiVersion, want) <= 2) return `${prefix}: did you mean ${JSON.stringify(want)}?`;
  return `${prefix}: use ${JSON.stringify(want)}`;
}
