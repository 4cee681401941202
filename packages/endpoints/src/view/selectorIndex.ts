import type { Pod, Service } from '@svcnet/model';
import { objectKey } from '@svcnet/model';
import { selectorMatches } from '../core/podRules.js';

const pair = (k: string, v: string) => `${k}=${v}`;

/**
 * The incremental view: Services and Pods indexed by label so that a Pod change finds only the
 * Services that select it, and a Service sync finds only its Pods, both within one namespace.
 * Each selector Service is filed under one anchor pair of its selector (Services with `{}` apart);
 * Pods are filed under every label pair they carry. Lookups verify the full selector.
 */
export class SelectorIndex {
  private readonly services = new Map<string, Service>();
  private readonly pods = new Map<string, Pod>();
  /** ns -> "k=v" -> service keys anchored on that pair */
  private readonly servicesByAnchor = new Map<string, Map<string, Set<string>>>();
  /** ns -> keys of Services with an empty selector */
  private readonly selectAll = new Map<string, Set<string>>();
  /** ns -> "k=v" -> pod keys */
  private readonly podsByPair = new Map<string, Map<string, Set<string>>>();
  /** ns -> pod keys */
  private readonly podsByNamespace = new Map<string, Set<string>>();

  getService(key: string): Service | undefined {
    return this.services.get(key);
  }
  getPod(key: string): Pod | undefined {
    return this.pods.get(key);
  }
  serviceKeys(): IterableIterator<string> {
    return this.services.keys();
  }
  get serviceCount(): number {
    return this.services.size;
  }
  get podCount(): number {
    return this.pods.size;
  }

  upsertService(svc: Service): void {
    const key = objectKey(svc);
    this.deleteService(key);
    this.services.set(key, svc);
    const selector = svc.spec?.selector;
    if (!selector) return;
    const ns = svc.metadata?.namespace ?? 'default';
    const keys = Object.keys(selector);
    if (keys.length === 0) {
      getSet(this.selectAll, ns).add(key);
      return;
    }
    const anchor = pair(keys[0]!, selector[keys[0]!]!);
    getSet(getMap(this.servicesByAnchor, ns), anchor).add(key);
  }

  deleteService(key: string): void {
    const svc = this.services.get(key);
    if (!svc) return;
    this.services.delete(key);
    const ns = svc.metadata?.namespace ?? 'default';
    const selector = svc.spec?.selector;
    if (!selector) return;
    const keys = Object.keys(selector);
    if (keys.length === 0) this.selectAll.get(ns)?.delete(key);
    else this.servicesByAnchor.get(ns)?.get(pair(keys[0]!, selector[keys[0]!]!))?.delete(key);
  }

  upsertPod(pod: Pod): void {
    const key = objectKey(pod);
    const old = this.pods.get(key);
    if (old) {
      // Most updates (readiness, status) keep the labels: then only the object is replaced.
      if (old.metadata?.namespace === pod.metadata?.namespace && sameLabels(old.metadata?.labels, pod.metadata?.labels)) {
        this.pods.set(key, pod);
        return;
      }
      this.deletePod(key);
    }
    this.pods.set(key, pod);
    const ns = pod.metadata?.namespace ?? 'default';
    getSet(this.podsByNamespace, ns).add(key);
    const byPair = getMap(this.podsByPair, ns);
    for (const [k, v] of Object.entries(pod.metadata?.labels ?? {})) getSet(byPair, pair(k, v)).add(key);
  }

  deletePod(key: string): void {
    const pod = this.pods.get(key);
    if (!pod) return;
    this.pods.delete(key);
    const ns = pod.metadata?.namespace ?? 'default';
    this.podsByNamespace.get(ns)?.delete(key);
    const byPair = this.podsByPair.get(ns);
    for (const [k, v] of Object.entries(pod.metadata?.labels ?? {})) {
      const set = byPair?.get(pair(k, v));
      set?.delete(key);
      if (set && set.size === 0) byPair!.delete(pair(k, v));
    }
  }

  /** Keys of the selector Services in the pod's namespace whose selector matches these labels. */
  servicesForLabels(namespace: string, labels: Readonly<Record<string, string>> | undefined): Set<string> {
    const out = new Set<string>(this.selectAll.get(namespace) ?? []);
    const anchors = this.servicesByAnchor.get(namespace);
    if (!anchors || !labels) return out;
    for (const [k, v] of Object.entries(labels)) {
      for (const key of anchors.get(pair(k, v)) ?? []) {
        const svc = this.services.get(key);
        if (svc?.spec?.selector && selectorMatches(svc.spec.selector, labels)) out.add(key);
      }
    }
    return out;
  }

  servicesForPod(pod: Pod): Set<string> {
    return this.servicesForLabels(pod.metadata?.namespace ?? 'default', pod.metadata?.labels);
  }

  /** The Pods a Service selects (same namespace, selector match), via the rarest pair of its selector. */
  podsForService(svc: Service): Pod[] {
    const selector = svc.spec?.selector;
    if (!selector) return [];
    const ns = svc.metadata?.namespace ?? 'default';
    let candidates: Set<string> | undefined = this.podsByNamespace.get(ns);
    const byPair = this.podsByPair.get(ns);
    for (const [k, v] of Object.entries(selector)) {
      const set = byPair?.get(pair(k, v));
      if (!set) return [];
      if (!candidates || set.size < candidates.size) candidates = set;
    }
    const out: Pod[] = [];
    for (const key of candidates ?? []) {
      const pod = this.pods.get(key)!;
      if (selectorMatches(selector, pod.metadata?.labels)) out.push(pod);
    }
    return out;
  }
}

/** Two label maps with the same keys and values (absent equals empty). */
export function sameLabels(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  if (a === b) return true;
  let n = 0;
  for (const k in a) {
    if (b?.[k] !== a[k]) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

function getMap<V>(m: Map<string, Map<string, V>>, k: string): Map<string, V> {
  let v = m.get(k);
  if (!v) m.set(k, (v = new Map()));
  return v;
}
function getSet(m: Map<string, Set<string>>, k: string): Set<string> {
  let v = m.get(k);
  if (!v) m.set(k, (v = new Set()));
  return v;
}
