import { type Kind, type KubeObject, NAMESPACED, objectKey } from '@svcnet/model';
import { type Fence, type Store, type WriteOptions, isStoreError } from '@svcnet/store';

/** Why a write failed, for a source's error callback and status. */
export interface WriteFailure {
  kind: Kind;
  key: string;
  error: Error;
}

type Pending =
  | { op: 'apply' | 'recreate'; object: KubeObject & { kind: Kind } }
  | { op: 'delete'; kind: Kind; namespace: string | undefined; name: string };

/**
 * Writes objects to a store one at a time, in order, keeping only the latest intent per object:
 * ten readiness flips queued for one Pod cost one write. Deleting an object that is already gone is
 * not an error. `settle()` resolves once everything queued so far has been written.
 *
 * Unless `trusted` (a mirror of a real API server, whose objects carry the status that server
 * gave), an object's status is written as the controller it stands for would write it: the object
 * first (the store drops a client's status, as the API server does), then its status through the
 * status subresource, where it is validated. A write whose metadata and spec are the very objects
 * last written (a readiness flip: the simulator rebuilds only the status) is a status write alone.
 */
export class CoalescingWriter {
  readonly #pending = new Map<string, Pending>();
  /** The metadata and spec last written per object, by reference: what a status-only change keeps. */
  readonly #written = new Map<string, { metadata: unknown; spec: unknown }>();
  #draining: Promise<void> | undefined;
  #writes = 0;

  constructor(
    private readonly store: Store,
    private readonly options: {
      trusted?: boolean;
      /** The lease the writer holds, asked at each write: a deposed writer's late writes are refused (Fenced). */
      fence?: () => Fence | undefined;
      onError?: (failure: WriteFailure) => void;
    } = {},
  ) {}

  #opts(): WriteOptions {
    const fence = this.options.fence?.();
    return { ...(this.options.trusted ? { trusted: true } : {}), ...(fence ? { fence } : {}) };
  }

  get writes(): number {
    return this.#writes;
  }

  get queued(): number {
    return this.#pending.size;
  }

  apply(object: KubeObject & { kind: Kind }): void {
    const id = `${object.kind}/${objectKey(object)}`;
    // A pending recreate stays one: the newer content is what gets created.
    this.#enqueue(id, { op: this.#pending.get(id)?.op === 'recreate' ? 'recreate' : 'apply', object });
  }

  /** Deletes the object and creates it anew (a new uid), as a controller replacing a pod of the same name does. */
  recreate(object: KubeObject & { kind: Kind }): void {
    this.#enqueue(`${object.kind}/${objectKey(object)}`, { op: 'recreate', object });
  }

  delete(kind: Kind, namespace: string | undefined, name: string): void {
    const ns = NAMESPACED[kind] ? (namespace ?? 'default') : undefined;
    this.#enqueue(`${kind}/${ns === undefined ? name : `${ns}/${name}`}`, { op: 'delete', kind, namespace: ns, name });
  }

  async settle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  #enqueue(id: string, p: Pending): void {
    // Re-inserting moves the entry to the end, so writes stay in the order of the latest intents.
    this.#pending.delete(id);
    this.#pending.set(id, p);
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
    });
  }

  async #drain(): Promise<void> {
    // Let the caller finish its synchronous batch first, so a burst coalesces.
    await Promise.resolve();
    for (let next = this.#pending.entries().next(); !next.done; next = this.#pending.entries().next()) {
      const [id, p] = next.value;
      this.#pending.delete(id);
      try {
        if (p.op === 'recreate') {
          this.#written.delete(id);
          const m = p.object.metadata ?? {};
          await this.store.delete(p.object.kind, m.namespace, m.name ?? '', this.#opts()).catch((e: unknown) => {
            if (!isStoreError(e, 'NotFound')) throw e;
          });
        }
        if (p.op === 'delete') {
          this.#written.delete(id);
          await this.store.delete(p.kind, p.namespace, p.name, this.#opts());
        } else await this.#write(id, p.object, p.op === 'recreate');
        this.#writes++;
      } catch (e) {
        this.#written.delete(id);
        if (p.op === 'delete' && isStoreError(e, 'NotFound')) continue;
        const kind = p.op === 'delete' ? p.kind : p.object.kind;
        const key = p.op === 'delete' ? id.slice(kind.length + 1) : objectKey(p.object);
        this.options.onError?.({ kind, key, error: e instanceof Error ? e : new Error(String(e)) });
      }
    }
  }

  async #write(id: string, object: KubeObject & { kind: Kind }, fresh: boolean): Promise<void> {
    if (this.options.trusted) {
      await this.store.apply(object, this.#opts());
      return;
    }
    const { status, ...main } = object as KubeObject & { kind: Kind; spec?: unknown; status?: unknown };
    const last = this.#written.get(id);
    const statusOnly = !fresh && last !== undefined && last.metadata === main.metadata && last.spec === main.spec;
    const opts = this.#opts();
    if (!statusOnly) await this.store.apply(main, opts);
    this.#written.set(id, { metadata: main.metadata, spec: main.spec });
    if (status === undefined) return;
    try {
      await this.store.updateStatus(object, opts);
    } catch (e) {
      // Deleted by someone else since our last write: create it again, then its status.
      if (!statusOnly || !isStoreError(e, 'NotFound')) throw e;
      await this.store.apply(main, opts);
      await this.store.updateStatus(object, opts);
    }
  }
}
