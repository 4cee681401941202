import type { Ingress, IngressClass } from '@svcnet/model';
import { ANNOTATION_INGRESS_CLASS, ANNOTATION_IS_DEFAULT_INGRESS_CLASS, DEFAULT_INGRESS_CONTROLLER } from '@svcnet/model';

/** Which Ingresses this router serves. Defaults: class `svcnet`, controller `svcnet.io/ingress`. */
export interface IngressClassOptions {
  /** Our IngressClass name (also accepted in the deprecated `kubernetes.io/ingress.class` annotation). */
  ingressClass?: string;
  /** `spec.controller` of IngressClasses that are ours. */
  controller?: string;
  /**
   * Serve Ingresses that name no class at all (ingress-nginx's --watch-ingress-without-class).
   * Default true: a router run on plain manifests serves them. An IngressClass of ours annotated
   * `ingressclass.kubernetes.io/is-default-class: "true"` claims them regardless.
   */
  watchWithoutClass?: boolean;
}

export const DEFAULT_INGRESS_CLASS = 'svcnet';

/** The class decision, computed once per IngressClass change and applied to each Ingress. */
export interface ClassFilter {
  readonly ourClasses: ReadonlySet<string>;
  readonly className: string;
  readonly claimsUnclassed: boolean;
}

export function classFilter(classes: readonly IngressClass[], options: IngressClassOptions = {}): ClassFilter {
  const className = options.ingressClass ?? DEFAULT_INGRESS_CLASS;
  const controller = options.controller ?? DEFAULT_INGRESS_CONTROLLER;
  const ours = new Set<string>();
  let namedExists = false;
  let isDefault = false;
  for (const c of classes) {
    const name = c.metadata?.name ?? '';
    if (name === className) namedExists = true;
    if (c.spec?.controller !== controller) continue;
    ours.add(name);
    if (c.metadata?.annotations?.[ANNOTATION_IS_DEFAULT_INGRESS_CLASS] === 'true') isDefault = true;
  }
  // Our configured name is ours unless an IngressClass of that name belongs to another controller.
  if (!namedExists) ours.add(className);
  return { ourClasses: ours, className, claimsUnclassed: isDefault || (options.watchWithoutClass ?? true) };
}

/** Is this Ingress ours? Same order as ingress-nginx: spec.ingressClassName, annotation, unclassed. */
export function isOurIngress(ingress: Ingress, filter: ClassFilter): boolean {
  const name = ingress.spec?.ingressClassName;
  if (name) return filter.ourClasses.has(name);
  const legacy = ingress.metadata?.annotations?.[ANNOTATION_INGRESS_CLASS];
  if (legacy !== undefined) return legacy === filter.className;
  return filter.claimsUnclassed;
}

/**
 * Why an Ingress is not ours, in words that name the flag which would include it; undefined when it
 * is ours. For the route table's output and the server's log: an Ingress that silently gets no
 * routes is the first thing people trip over (ingress-nginx logs "ignoring ingress" likewise).
 */
export function whyNotOurs(ingress: Ingress, classes: readonly IngressClass[], options: IngressClassOptions = {}): string | undefined {
  const filter = classFilter(classes, options);
  if (isOurIngress(ingress, filter)) return undefined;
  const name = ingress.spec?.ingressClassName;
  if (name) {
    const controller = classes.find((c) => c.metadata?.name === name)?.spec?.controller;
    if (controller) return `its IngressClass "${name}" names controller "${controller}" (--controller ${controller} would include it)`;
    return `its class "${name}" is not "${filter.className}" (--ingress-class ${name} would include it)`;
  }
  const legacy = ingress.metadata?.annotations?.[ANNOTATION_INGRESS_CLASS];
  if (legacy !== undefined) return `its ${ANNOTATION_INGRESS_CLASS} annotation is "${legacy}", not "${filter.className}" (--ingress-class ${legacy} would include it)`;
  return 'it names no class and Ingresses without one are not watched (drop --no-watch-without-class to include it)';
}
