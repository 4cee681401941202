/**
 * apiequality.Semantic.DeepEqual for JSON-shaped objects: an absent field, null, an empty list and an
 * empty map are all the same (Go's nil and empty slices/maps compare equal), and, as upstream's
 * semanticIgnoreResourceVersion, a targetRef's resourceVersion is ignored so that a Pod update that
 * changes nothing but its resourceVersion causes no write.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return canonicalJSON(a) === canonicalJSON(b);
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

/** Label maps equal as Go maps (nil == empty). */
export function mapsEqual(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ak = a ? Object.keys(a) : [];
  const bk = b ? Object.keys(b) : [];
  if (ak.length !== bk.length) return false;
  for (const k of ak) {
    if (!b || !Object.prototype.hasOwnProperty.call(b, k) || b[k] !== a![k]) return false;
  }
  return true;
}
