import { ALPHANUMS, fnv32a } from '@svcnet/model';

/**
 * Names as the real controllers give them. The alphabet and rand.String are @svcnet/model's
 * (k8s.io/apimachinery/pkg/util/rand); SafeEncodeString maps each character of a string onto it.
 */
export { ALPHANUMS, randomString } from '@svcnet/model';

export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += ALPHANUMS[(ch.codePointAt(0) ?? 0) % ALPHANUMS.length];
  return out;
}

/** JSON with object keys sorted, so equal templates hash equally whatever their key order. */
export function canonicalJSON(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJSON).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJSON(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The pod-template-hash label: like controller.ComputeHash, FNV-32a of the template, printed in
 * decimal and safe-encoded, so it is up to 10 characters (10 for most templates, as in
 * `web-7c5ddbdf54-x2k9q`). Upstream hashes Go's spew dump of the struct; we hash canonical JSON,
 * so values differ from a real cluster's but are stable and change exactly when the template does.
 */
export function computeHash(template: unknown, collisionCount?: number): string {
  let text = canonicalJSON(template);
  if (collisionCount !== undefined) text += `#${collisionCount}`;
  return safeEncodeString(String(fnv32a(text)));
}
