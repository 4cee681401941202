/** Label or annotation maps equal as Go maps compare them (nil == empty), as the controllers' checks do. */
export function mapsEqual(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ak = a ? Object.keys(a) : [];
  const bk = b ? Object.keys(b) : [];
  if (ak.length !== bk.length) return false;
  for (const k of ak) {
    if (!b || !Object.prototype.hasOwnProperty.call(b, k) || b[k] !== a![k]) return false;
  }
  return true;
}
