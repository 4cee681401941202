// ObjectMeta rules (apimachinery api/validation/objectmeta.go plus core's finalizer check) and the
// field-level wrappers around the name formats that every kind uses.
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { FieldPath, forbidden, invalid, required, tooLong, type FieldError } from '../fieldErrors.js';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  nameIsDNSLabel,
  type NameValidator,
} from './names.js';

type P = FieldPath | string;

const each = (path: P, value: unknown, msgs: string[]): FieldError[] => msgs.map((m) => invalid(path, value, m));

export const validateDNS1123Label = (value: string, path: P): FieldError[] => each(path, value, isDNS1123Label(value));
export const validateDNS1123Subdomain = (value: string, path: P): FieldError[] => each(path, value, isDNS1123Subdomain(value));
export const validateQualifiedName = (value: string, path: P): FieldError[] => each(path, value, isQualifiedName(value));

/** metav1 ValidateLabels: each key a qualified name, each value a label value (errors on the map's path). */
export function validateLabels(labels: unknown, path: P): FieldError[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== 'object' || Array.isArray(labels)) return [invalid(path, labels, 'must be a map of string keys to string values')];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    errs.push(...each(path, k, isQualifiedName(k)));
    if (typeof v !== 'string') errs.push(invalid(path, v, 'must be a string'));
    else errs.push(...each(path, v, isValidLabelValue(v)));
  }
  return errs;
}

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Annotation keys are qualified names compared case-insensitively; all of them together fit in 256 KiB. */
export function validateAnnotations(annotations: unknown, path: P): FieldError[] {
  if (annotations === undefined || annotations === null) return [];
  if (typeof annotations !== 'object' || Array.isArray(annotations)) {
    return [invalid(path, annotations, 'must be a map of string keys to string values')];
  }
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations as Record<string, unknown>)) {
    errs.push(...each(path, k, isQualifiedName(k.toLowerCase())));
    if (typeof v !== 'string') errs.push(invalid(path, v, 'must be a string'));
    size += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, '', TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

function validateFinalizers(finalizers: unknown, path: FieldPath): FieldError[] {
  if (!Array.isArray(finalizers)) return [];
  const errs: FieldError[] = [];
  finalizers.forEach((f: unknown, i) => {
    const s = String(f);
    errs.push(...each(path, s, isQualifiedName(s)));
    if (!s.includes('/') && !STANDARD_FINALIZERS.has(s)) {
      errs.push(invalid(path.index(i), s, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    errs.push(invalid(path, finalizers, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

function validateOwnerReferences(refs: unknown, path: FieldPath): FieldError[] {
  if (!Array.isArray(refs)) return [];
  const errs: FieldError[] = [];
  let controller = '';
  for (const ref of refs as Array<Record<string, unknown>>) {
    const version = typeof ref?.apiVersion === 'string' ? ref.apiVersion.split('/').pop() : '';
    if (!version) errs.push(invalid(path.child('apiVersion'), ref?.apiVersion ?? '', 'version must not be empty'));
    if (!ref?.kind) errs.push(invalid(path.child('kind'), ref?.kind ?? '', 'must not be empty'));
    if (!ref?.name) errs.push(invalid(path.child('name'), ref?.name ?? '', 'must not be empty'));
    if (!ref?.uid) errs.push(invalid(path.child('uid'), ref?.uid ?? '', 'must not be empty'));
    if (ref?.controller === true) {
      const cur = `${String(ref.kind)}/${String(ref.name)}`;
      if (controller) {
        errs.push(invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${controller} and ${cur}`));
      } else controller = cur;
    }
  }
  return errs;
}

/**
 * ValidateObjectMeta on create: name (or generateName) by `nameValidator`, namespace required and a DNS
 * label for namespaced kinds and forbidden otherwise, labels, annotations, finalizers, owner references.
 */
export function validateObjectMeta(
  meta: ObjectMeta | undefined,
  namespaced: boolean,
  nameValidator: NameValidator,
  path: FieldPath | string = 'metadata',
): FieldError[] {
  const p = typeof path === 'string' ? FieldPath.root(path) : path;
  const m = meta ?? {};
  const errs: FieldError[] = [];
  if (m.generateName) {
    for (const msg of nameValidator(m.generateName, true)) errs.push(invalid(p.child('generateName'), m.generateName, msg));
  }
  if (!m.name) errs.push(required(p.child('name'), 'name or generateName is required'));
  else if (typeof m.name !== 'string') errs.push(invalid(p.child('name'), m.name, 'must be a string'));
  else for (const msg of nameValidator(m.name, false)) errs.push(invalid(p.child('name'), m.name, msg));

  if (namespaced) {
    if (!m.namespace) errs.push(required(p.child('namespace')));
    else for (const msg of nameIsDNSLabel(m.namespace, false)) errs.push(invalid(p.child('namespace'), m.namespace, msg));
  } else if (m.namespace) {
    errs.push(forbidden(p.child('namespace'), 'not allowed on this type'));
  }
  if (m.generation !== undefined && (typeof m.generation !== 'number' || m.generation < 0)) {
    errs.push(invalid(p.child('generation'), m.generation, 'must be greater than or equal to 0'));
  }
  errs.push(...validateLabels(m.labels, p.child('labels')));
  errs.push(...validateAnnotations(m.annotations, p.child('annotations')));
  errs.push(...validateOwnerReferences(m.ownerReferences, p.child('ownerReferences')));
  errs.push(...validateFinalizers(m.finalizers, p.child('finalizers')));
  return errs;
}

/**
 * ValidateObjectMetaUpdate, minus the resourceVersion rule (the store's compare-and-set owns
 * concurrency): name and namespace are immutable; uid and creationTimestamp too when the update
 * carries them (an apply of a manifest does not, and the store keeps the stored ones).
 */
export function validateObjectMetaUpdate(meta: ObjectMeta | undefined, old: ObjectMeta | undefined, path: FieldPath | string = 'metadata'): FieldError[] {
  const p = typeof path === 'string' ? FieldPath.root(path) : path;
  const m = meta ?? {};
  const o = old ?? {};
  const errs: FieldError[] = [];
  const immutable = (field: 'name' | 'namespace' | 'uid' | 'creationTimestamp', always: boolean) => {
    const nv = m[field] ?? '';
    const ov = o[field] ?? '';
    if ((always || nv !== '') && nv !== ov) errs.push(invalid(p.child(field), nv, 'field is immutable'));
  };
  immutable('name', true);
  immutable('namespace', true);
  immutable('uid', false);
  immutable('creationTimestamp', false);
  if (typeof m.generation === 'number' && typeof o.generation === 'number' && m.generation < o.generation) {
    errs.push(invalid(p.child('generation'), m.generation, 'must not be decremented'));
  }
  return errs;
}
