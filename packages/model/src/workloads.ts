import type { Deployment, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FieldError, InvalidObjectError, invalid, required } from './fieldErrors.js';
import { labelSelectorAsSelector, SelectorError } from './selectors.js';
import { admit } from './validation/index.js';

// Deployments and StatefulSets are not stored: the workload simulator expands them into Pods. What is
// checked here is what that expansion relies on (apps/v1 ValidateDeployment's selector rules), and the
// Pod template, validated as the Pods it will become.

export type Workload = Deployment | StatefulSet;

export function isWorkload(obj: { kind?: string }): obj is Workload {
  return obj.kind === 'Deployment' || obj.kind === 'StatefulSet';
}

/** The Pod a workload's template describes (name and namespace from the workload). */
export function podFromTemplate(w: Workload, name = w.metadata?.name ?? ''): Pod {
  const t = w.spec?.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...(t?.metadata ?? {}), name, ...(w.metadata?.namespace ? { namespace: w.metadata.namespace } : {}) },
    spec: t?.spec ?? { containers: [] },
  };
}

function reroot(e: FieldError): FieldError {
  const field = e.field.startsWith('spec') || e.field.startsWith('metadata.labels') ? `spec.template.${e.field}` : e.field;
  return new FieldError(e.type, field, e.badValue, e.detail);
}

/**
 * Every error of a Deployment or StatefulSet that svcnet can act on: metadata.name, spec.selector
 * (required, valid, non-empty, and matching the template's labels, worded as upstream's
 * `selector` does not match template `labels`), replicas >= 0, and the template's Pod.
 */
export function validateWorkload(w: Workload): FieldError[] {
  const errs: FieldError[] = [];
  if (!w.metadata?.name) errs.push(required('metadata.name', 'name or generateName is required'));
  const spec = w.spec;
  if (!spec) return [...errs, required('spec')];
  if (spec.replicas !== undefined && (!Number.isInteger(spec.replicas) || spec.replicas < 0)) {
    errs.push(invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  }
  const labels = spec.template?.metadata?.labels ?? {};
  if (!spec.selector) errs.push(required('spec.selector'));
  else {
    try {
      const sel = labelSelectorAsSelector(spec.selector);
      if (sel.empty()) errs.push(invalid('spec.selector', spec.selector, 'empty selector is invalid for deployment'));
      else if (!sel.matches(labels)) errs.push(invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
    } catch (e) {
      if (!(e instanceof SelectorError)) throw e;
      errs.push(invalid('spec.selector', spec.selector, e.message));
    }
  }
  if (!spec.template) return [...errs, required('spec.template')];
  try {
    admit(podFromTemplate(w, w.metadata?.name || 'template'));
  } catch (e) {
    if (!(e instanceof InvalidObjectError)) throw e;
    errs.push(...e.errors.map(reroot));
  }
  return errs;
}
