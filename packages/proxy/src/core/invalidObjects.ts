import { InvalidObjectError, type FieldError } from '@svcnet/model';

export type InvalidObjectKind = 'Service' | 'EndpointSlice';

/** Why an object was skipped: a small fixed set, so it can label a metric. */
export const INVALID_REASONS = [
  'invalid_name',
  'invalid_address',
  'forbidden_address',
  'invalid_port',
  'invalid_protocol',
  'invalid_cidr',
  'invalid_value',
] as const;
export type InvalidReason = (typeof INVALID_REASONS)[number];

/** An object the proxy skipped: none of its values reach the rules. */
export interface InvalidObject {
  readonly kind: InvalidObjectKind;
  /** `namespace/name` as the object gives it (it may be the invalid part). */
  readonly key: string;
  readonly reason: InvalidReason;
  /** The API server's wording: `Service "ns/name" is invalid: <field>: <why>`. */
  readonly message: string;
}

export function invalidObject(kind: InvalidObjectKind, key: string, reason: InvalidReason, error: FieldError): InvalidObject {
  return { kind, key, reason, message: new InvalidObjectError(kind, key, [error]).message };
}

/** What changed for one object: `now` undefined means it is valid again (or gone). */
export type InvalidObjectListener = (now: InvalidObject | undefined, before: InvalidObject | undefined) => void;

/**
 * The objects a proxier skips right now, keyed by kind and key. The change trackers report each
 * object as they record it (once per watch event, never per sync); the listener hears only real
 * changes, so a log line is written once per object per change.
 */
export class InvalidObjects {
  private readonly byKey = new Map<string, InvalidObject>();
  private listener: InvalidObjectListener | undefined;

  /** One listener (the proxier's logger and metrics). */
  listen(f: InvalidObjectListener): void {
    this.listener = f;
  }

  report(o: InvalidObject): void {
    const id = `${o.kind}\0${o.key}`;
    const before = this.byKey.get(id);
    if (before && before.message === o.message) return;
    this.byKey.set(id, o);
    this.listener?.(o, before);
  }

  clear(kind: InvalidObjectKind, key: string): void {
    const id = `${kind}\0${key}`;
    const before = this.byKey.get(id);
    if (!before) return;
    this.byKey.delete(id);
    this.listener?.(undefined, before);
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Sorted by kind, then key. */
  list(): InvalidObject[] {
    return [...this.byKey.values()].sort((a, b) => (a.kind === b.kind ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : a.kind < b.kind ? -1 : 1));
  }

  /** How many objects of each kind are skipped for each reason (every pair, zeros included). */
  counts(): { kind: InvalidObjectKind; reason: InvalidReason; count: number }[] {
    const out: { kind: InvalidObjectKind; reason: InvalidReason; count: number }[] = [];
    for (const kind of ['Service', 'EndpointSlice'] as const) {
      for (const reason of INVALID_REASONS) out.push({ kind, reason, count: 0 });
    }
    for (const o of this.byKey.values()) {
      const row = out.find((r) => r.kind === o.kind && r.reason === o.reason);
      if (row) row.count++;
    }
    return out;
  }
}
