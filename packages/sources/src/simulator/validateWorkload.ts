import { type FieldError, InvalidObjectError, invalid, notSupported, required } from '@svcnet/model';
import type { Workload } from './podFactory.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The checks of apps/v1 validation that the simulator relies on (ValidateDeployment,
 * ValidateStatefulSet): a name that makes valid pod names, a template with containers, replicas >= 0,
 * and a selector that matches the template's labels. Throws InvalidObjectError worded as the API's 422.
 */
export function validateWorkload(w: Workload): void {
  const errors: FieldError[] = [];
  const name = w.metadata?.name ?? '';
  if (!name) errors.push(required('metadata.name', 'name or generateName is required'));
  else if (!DNS1123_LABEL.test(name) || name.length > 63) {
    errors.push(invalid('metadata.name', name, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"));
  }
  const spec = w.spec;
  if (!spec) errors.push(required('spec'));
  const replicas = spec?.replicas;
  if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) {
    errors.push(invalid('spec.replicas', replicas, 'must be greater than or equal to 0'));
  }
  const template = spec?.template;
  if (spec && !template) errors.push(required('spec.template'));
  const containers = template?.spec?.containers;
  if (template && (!Array.isArray(containers) || containers.length === 0)) errors.push(required('spec.template.spec.containers'));
  const labels = template?.metadata?.labels ?? {};
  const selector = spec?.selector;
  if (spec && !selector) errors.push(required('spec.selector'));
  else if (selector) {
    const matchLabels = selector.matchLabels ?? {};
    const ok = Object.entries(matchLabels).every(([k, v]) => labels[k] === v) && (selector.matchExpressions ?? []).every((e) => {
      const has = Object.prototype.hasOwnProperty.call(labels, e.key);
      switch (e.operator) {
        case 'In': return has && (e.values ?? []).includes(labels[e.key]!);
        case 'NotIn': return !has || !(e.values ?? []).includes(labels[e.key]!);
        case 'Exists': return has;
        case 'DoesNotExist': return !has;
        default: return false;
      }
    });
    if (Object.keys(matchLabels).length === 0 && (selector.matchExpressions ?? []).length === 0) {
      errors.push(invalid('spec.selector', selector, 'empty selector is invalid for deployment'));
    } else if (!ok) {
      errors.push(invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
    }
  }
  if (w.kind === 'StatefulSet') {
    const policy = w.spec?.podManagementPolicy;
    if (policy !== undefined && policy !== 'OrderedReady' && policy !== 'Parallel') {
      errors.push(notSupported('spec.podManagementPolicy', policy, ['OrderedReady', 'Parallel']));
    }
  }
  if (errors.length) throw new InvalidObjectError(w.kind, name, errors);
}
