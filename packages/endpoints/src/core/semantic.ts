/**
 * apiequality.Semantic.DeepEqual for JSON-shaped objects: an absent field, null, an empty list and an
 * empty map are all the same (Go's nil and empty slices/maps compare equal), and, as upstream's
 * semanticIgnoreResourceVersion, a targetRef's resourceVersion is ignored so that a Pod update that
 * changes nothing but its resourceVersion causes no write.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return equalValues(a, b, false);
}

// semanticEqual(a, b) is exactly canonicalJSON(a) === canonicalJSON(b), walked in place: no strings
// are built, and it stops at the first difference (it runs on every sync of every Service).
function equalValues(a: unknown, b: unknown, inTargetRef: boolean): boolean {
  if (a === b) return true;
  const ea = isEmpty(a, inTargetRef);
  const eb = isEmpty(b, inTargetRef);
  if (ea || eb) return ea && eb;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  const arrA = Array.isArray(a);
  if (arrA !== Array.isArray(b)) return false;
  if (arrA) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!equalValues(x[i], y[i], false)) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const key in x) {
    if (inTargetRef && key === 'resourceVersion') continue;
    if (!equalValues(x[key], y[key], key === 'targetRef')) return false;
  }
  for (const key in y) {
    if (key in x || (inTargetRef && key === 'resourceVersion')) continue;
    if (!isEmpty(y[key], key === 'targetRef')) return false;
  }
  return true;
}

/** What normalize drops: null, undefined, [], and objects holding only such values. */
function isEmpty(value: unknown, inTargetRef: boolean): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.length === 0;
  for (const key in value as Record<string, unknown>) {
    if (inTargetRef && key === 'resourceVersion') continue;
    if (!isEmpty((value as Record<string, unknown>)[key], key === 'targetRef')) return false;
  }
  return true;
}

/** A JSON text with sorted keys and "empty" values dropped (see semanticEqual). */
export function canonicalJSON(value: unknown): string {
  return JSON.stringify(normalize(value, false)) ?? 'null';
}

function normalize(value: unknown, inTargetRef: boolean): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    return value.map((v) => normalize(v, false) ?? null);
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const key of Object.keys(value).sort()) {
      if (inTargetRef && key === 'resourceVersion') continue;
      const v = normalize((value as Record<string, unknown>)[key], key === 'targetRef');
      if (v === undefined) continue;
      out[key] = v;
      n++;
    }
    return n === 0 ? undefined : out;
  }
  return value;
}
