import type { Kind, KubeObject } from '@svcnet/model';

interface Cursor {
  last: number;
}

/**
 * Objects this store wrote with `immutable` (the writer will never mutate them), kept by revision
 * while a `shared` watch of their kind runs on this store, so that the watch hands out the writer's
 * own object instead of decoding the JSON it reads back from the stream: a controller that writes
 * 20,000 slices then does not parse them again from its own informer. The watch still reads every
 * entry (order and gaps are checked as before); only the decoding is skipped. Entries go once every
 * shared watch of the kind has passed them, and at most `limit` are kept per kind (older ones are
 * dropped and decoded as usual).
 */
export class OwnWrites {
  private readonly byKind = new Map<Kind, { objects: Map<number, KubeObject>; cursors: Set<Cursor> }>();

  constructor(private readonly limit = 65_536) {}

  /** A shared watch of `kind` starts; `release` when it ends. */
  follow(kind: Kind): { cursor: Cursor; take: (revision: number) => KubeObject | undefined; passed: () => void; release: () => void } {
    let k = this.byKind.get(kind);
    if (!k) this.byKind.set(kind, (k = { objects: new Map(), cursors: new Set() }));
    const entry = k;
    const cursor: Cursor = { last: 0 };
    entry.cursors.add(cursor);
    return {
      cursor,
      take: (revision) => entry.objects.get(revision),
      passed: () => this.trim(entry),
      release: () => {
        entry.cursors.delete(cursor);
        if (entry.cursors.size === 0) this.byKind.delete(kind);
        else this.trim(entry);
      },
    };
  }

  /** Records an immutable write's result (its resourceVersion is the revision) if a shared watch of its kind runs. */
  record(kind: Kind, revision: number, object: KubeObject): void {
    const k = this.byKind.get(kind);
    if (!k) return;
    k.objects.set(revision, object);
    if (k.objects.size > this.limit) k.objects.delete(k.objects.keys().next().value!);
  }

  private trim(entry: { objects: Map<number, KubeObject>; cursors: Set<Cursor> }): void {
    let min = Infinity;
    for (const c of entry.cursors) min = Math.min(min, c.last);
    // Revisions are recorded in about increasing order (concurrent writes may finish out of order).
    for (const rev of entry.objects.keys()) {
      if (rev > min) break;
      entry.objects.delete(rev);
    }
  }
}
