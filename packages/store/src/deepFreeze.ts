/**
 * Freezes a stored object and everything it holds (MemoryStoreOptions.freezeObjects), so a holder of
 * a shared object that mutates it in place gets a TypeError (ES modules are strict) at the offending
 * line instead of silently changing the store's state. Already frozen values are skipped: a
 * zero-copy write reuses values frozen by earlier writes, so each write freezes only what is new.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
  return value;
}
