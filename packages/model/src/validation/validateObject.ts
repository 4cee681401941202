// One door for every kind: validateObject dispatches on kind; admit defaults, then validates, and throws
// with every error at once, as the API server answers a create or update.
import type { Endpoints, Node, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import { FieldError, InvalidObjectError, forbidden, notSupported, required } from '../fieldErrors.js';
import { KINDS, isKind, type AnyObject, type Kind } from '../objects.js';
import { applyDefaults, applyDefaultsWellShaped, type DefaultsOptions, type ObjectInput } from '../defaults/setDefaults.js';
import { validateEndpointSlice } from './endpointSlice.js';
import { validateEndpoints } from './endpoints.js';
import { validateIngress, validateIngressClass } from './ingress.js';
import { validateNode } from './node.js';
import { validatePod } from './pod.js';
import { validateSecret } from './secret.js';
import { validateService, type ServiceValidationOptions } from './service.js';
import { validateServiceStatus } from './serviceStatus.js';
import { shapeErrors } from './shape.js';

export interface ValidationOptions extends ServiceValidationOptions {
  /**
   * 'status': the object is a write to the status subresource (the store's updateStatus), so its
   * status is validated as ValidateServiceStatusUpdate does, and an update's spec preparation
   * (which clears a non-LoadBalancer Service's load balancer status) is skipped: a status write
   * leaves the spec as stored, and a status that does not fit it is refused, not quietly dropped.
   * Create and update never carry a client's status (the store resets it, as PrepareForCreate and
   * PrepareForUpdate do), so their validation does not look at it.
   */
  subresource?: 'status';
}

export type AdmitOptions = DefaultsOptions &
  ValidationOptions & {
    /**
     * The caller hands over a private copy of `obj` (as the store does after its own copy): admit
     * defaults it in place instead of cloning it first, and returns it.
     */
    owned?: boolean;
  };

const SUPPORTED_KINDS = [...KINDS].sort();

/**
 * All validation errors of `obj` (an update of `old` when given). Expects a defaulted object: use
 * {@link admit} for raw input. An unknown kind gives one error on `kind`.
 */
export function validateObject(input: ObjectInput, oldInput?: ObjectInput, opts: ValidationOptions = {}): FieldError[] {
  const obj = input as AnyObject;
  const old = oldInput as AnyObject | undefined;
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return [forbidden('', 'an object must be a JSON object with kind, apiVersion and metadata')];
  const kind = obj.kind;
  if (!kind) return [required('kind', `must be one of: ${SUPPORTED_KINDS.join(', ')}`)];
  if (!isKind(kind)) return [notSupported('kind', kind, SUPPORTED_KINDS)];
  // Wrong JSON types stop here, as a decoding error stops the API server before validation.
  const typeErrors = shapeErrors(kind, obj);
  if (typeErrors.length > 0) return typeErrors;
  return validateWellShaped(kind, obj, old, opts);
}

/** validateObject after the shape check, for an object of a known kind. */
function validateWellShaped(kind: Kind, obj: AnyObject, old: AnyObject | undefined, opts: ValidationOptions): FieldError[] {
  const prev = old && old.kind === kind ? old : undefined;
  switch (kind) {
    case 'Service': {
      const errs = validateService(obj as Service, prev as Service | undefined, opts);
      if (opts.subresource === 'status') errs.push(...validateServiceStatus(obj as Service));
      return errs;
    }
    case 'Endpoints':
      return validateEndpoints(obj as Endpoints, prev as Endpoints | undefined);
    case 'EndpointSlice':
      return validateEndpointSlice(obj as unknown as EndpointSlice, prev as unknown as EndpointSlice | undefined);
    case 'Ingress':
      return validateIngress(obj as Ingress, prev as Ingress | undefined);
    case 'IngressClass':
      return validateIngressClass(obj as IngressClass, prev as IngressClass | undefined);
    case 'Pod':
      return validatePod(obj as Pod, prev as Pod | undefined, !prev || opts.subresource === 'status');
    case 'Node':
      return validateNode(obj as Node, prev as Node | undefined);
    case 'Secret':
      return validateSecret(obj as Secret, prev as Secret | undefined);
  }
}

/**
 * setDefaults, then validation, as the API server admits a create (or, with `old`, an update: a
 * re-applied Service keeps its allocated clusterIP and node ports, and immutable fields are checked).
 * Returns the defaulted copy; throws InvalidObjectError listing every error. `obj` is not modified,
 * unless `opts.owned` hands it over (then it is defaulted in place and returned).
 */
export function admit<T extends ObjectInput>(obj: T, old?: T, opts: AdmitOptions = {}): T {
  const copy = (opts.owned ? obj : structuredClone(obj)) as T & AnyObject;
  const errors = admitErrors(copy, old as AnyObject | undefined, opts);
  if (errors.length > 0) {
    const kind = typeof copy?.kind === 'string' && copy.kind ? copy.kind : 'Object';
    const name = typeof copy?.metadata?.name === 'string' ? copy.metadata.name : '';
    throw new InvalidObjectError(kind, name, errors);
  }
  return copy;
}

/** Defaults `copy` in place and validates it; the shape of a known kind is checked once for both. */
function admitErrors(copy: AnyObject, old: AnyObject | undefined, opts: AdmitOptions): FieldError[] {
  if (copy && typeof copy === 'object' && !Array.isArray(copy) && isKind(copy.kind)) {
    const kind = copy.kind;
    const typeErrors = shapeErrors(kind, copy);
    if (typeErrors.length > 0) return typeErrors;
    applyDefaultsWellShaped(copy, old, opts, opts.subresource !== 'status');
    return validateWellShaped(kind, copy, old, opts);
  }
  if (copy && typeof copy === 'object' && !Array.isArray(copy)) applyDefaults(copy, old, opts);
  return validateObject(copy, old, opts);
}
