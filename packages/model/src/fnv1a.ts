/**
 * FNV-1a, 32 bits (Go's hash/fnv New32a, which upstream's controller.ComputeHash uses for
 * pod-template-hash), written once. The step is exposed for hot paths that hash bytes while they
 * scan them (the DNS question parser, the ingress route cache); callers keep their own final mask.
 */
export const FNV1A_OFFSET = 0x811c9dc5;
const FNV1A_PRIME = 0x01000193;

/** The hash `h` (an int32 or uint32) extended by one byte; an int32. */
export function fnv1aStep(h: number, byte: number): number {
  return Math.imul(h ^ byte, FNV1A_PRIME);
}

/** The hash `h` extended by bytes[start, end); an int32. */
export function fnv1aBytes(h: number, bytes: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, FNV1A_PRIME);
  return h;
}

/** FNV-1a of a text's UTF-8 bytes, as an unsigned 32-bit number. */
export function fnv32a(text: string): number {
  const bytes = new TextEncoder().encode(text);
  return fnv1aBytes(FNV1A_OFFSET, bytes, 0, bytes.length) >>> 0;
}
