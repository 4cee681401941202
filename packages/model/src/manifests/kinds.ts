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

/** `List` and typed lists such as `ServiceList`, which hold their objects in `items`. */
export function isListKind(kind: string): boolean {
  return kind === 'List' || (kind.endsWith('List') && kind.length > 4);
}

function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest known kind, for `did you mean` hints (case slips and small typos). */
export function suggestKind(kind: string): string | undefined {
  const known = Object.keys(MANIFEST_KINDS);
  const exactCase = known.find((k) => k.toLowerCase() === kind.toLowerCase());
  if (exactCase) return exactCase;
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const dd = distance(kind.toLowerCase(), k.toLowerCase());
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
  if (distance(apiVersion, want) <= 2) return `${prefix}: did you mean ${JSON.stringify(want)}?`;
  return `${prefix}: use ${JSON.stringify(want)}`;
}
