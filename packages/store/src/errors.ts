/**
 * Store errors with a stable `code`, mapped to the API server's statuses: NotFound (404),
 * AlreadyExists and Conflict (409), Expired (410 Gone), Fenced (a write under a lost lease),
 * Unavailable (the backend cannot be reached), Timeout (504, StatusReasonTimeout: the write was
 * made on the primary but not acknowledged by enough replicas in time, so it may or may not
 * survive a failover; retry it). Validation failures are @svcnet/model's InvalidObjectError (422).
 */
export type StoreErrorCode = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Expired' | 'Fenced' | 'Unavailable' | 'Timeout';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export const notFoundError = (kind: string, key: string) =>
  new StoreError('NotFound', `${kind} "${key}" not found`);
export const alreadyExistsError = (kind: string, key: string) =>
  new StoreError('AlreadyExists', `${kind} "${key}" already exists`);
export const conflictError = (kind: string, key: string) =>
  new StoreError(
    'Conflict',
    `Operation cannot be fulfilled on ${kind} "${key}": the object has been modified; please apply your changes to the latest version and try again`,
  );
export const expiredError = (kind: string, revision: number, oldest: number) =>
  new StoreError('Expired', `too old resource version: ${revision} (${oldest}) for ${kind}: relist and watch from the list's revision`);
export const fencedError = (lease: string, token: number) =>
  new StoreError('Fenced', `write rejected: lease "${lease}" token ${token} is no longer held; stop acting as leader and re-acquire`);

export const replicaTimeoutError = (acked: number, wanted: number, timeoutMs: number) =>
  new StoreError(
    'Timeout',
    `written on the primary, but ${acked} of the ${wanted} replica(s) asked for (minReplicas) acknowledged it within ${timeoutMs} ms, so a failover may lose it; retry it once replicas are back (or lower --redis-min-replicas)`,
  );

export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code);
}
