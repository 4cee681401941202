import { KNOWN_FIELD_ROOTS, KNOWN_FIELD_TYPES } from './knownFields.generated.js';

/** Most unknown fields reported per object: a document of the wrong kind would otherwise list every field. */
const MAX_REPORTED = 20;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The paths of fields the Kubernetes API does not define for this kind (`spec.ports[0].protocl`), as
 * kubectl's field validation names them; empty for kinds svcnet does not read. What is inside
 * free-form fields (labels, annotations, managedFields) is not checked.
 */
export function unknownFields(obj: { readonly kind?: unknown; readonly [field: string]: unknown }): string[] {
  const root = typeof obj.kind === 'string' ? KNOWN_FIELD_ROOTS[obj.kind] : undefined;
  if (!root) return [];
  const out: string[] = [];
  walk(obj, root, '', out);
  return out;
}

function walk(value: unknown, ref: string, path: string, out: string[]): void {
  if (out.length >= MAX_REPORTED || ref === '' || value === null || value === undefined) return;
  if (ref.startsWith('[]')) {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, ref.slice(2), `${path}[${i}]`, out));
    return;
  }
  if (!isPlainObject(value)) return;
  if (ref.startsWith('{}')) {
    for (const k of Object.keys(value)) walk(value[k], ref.slice(2), `${path}[${k}]`, out);
    return;
  }
  const fields = KNOWN_FIELD_TYPES[ref];
  if (!fields) return;
  for (const k of Object.keys(value)) {
    const at = path ? `${path}.${k}` : k;
    const field = fields[k];
    if (field === undefined) {
      if (out.length < MAX_REPORTED) out.push(at);
    } else walk(value[k], field, at, out);
  }
}
