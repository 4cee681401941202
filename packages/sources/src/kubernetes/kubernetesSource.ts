import type { KubeConfig, KubernetesObject, ListWatch } from '@kubernetes/client-node';
import { ANNOTATION_SOURCE, type Random } from '@svcnet/model';
import { clientNode } from './clientNode.js';
import type { Kind, KubeObject } from '@svcnet/model';
import type { Store } from '@svcnet/store';
import { CoalescingWriter } from '../coalescingWriter.js';
import { type KubeConfigOptions, loadKubeConfig } from './kubeConfigLoader.js';
import { observedWatch } from './observedWatch.js';
import { listRaw } from './rawList.js';
import { type ResourceInfo, mirroredKinds, resourceInfo } from './resources.js';

export const KUBERNETES_SOURCE = 'kubernetes';

export interface KubernetesSourceOptions extends KubeConfigOptions {
  /** Mirror only this namespace (cluster-scoped kinds are mirrored whole); default all namespaces. */
  namespace?: string;
  /**
   * false (default, for a real cluster): the cluster's own endpoint controllers own Endpoints and
   * EndpointSlices, so they are mirrored like everything else and svcnet's reconciler must not run.
   * true: they are not mirrored, and the agent's reconciler computes them from Services and Pods.
   */
  reconcileEndpoints?: boolean;
  /** Override the kinds to mirror (default: every kind, less Endpoints/EndpointSlices when reconcileEndpoints). */
  kinds?: readonly Kind[];
  /** Retry after an error: exponential from initialMs (default 500) to maxMs (default 30,000), with jitter. */
  retry?: { initialMs?: number; maxMs?: number };
  /** Server-side watch timeout; default a random 300-600 s per watch, like client-go's reflector. */
  watchTimeoutSeconds?: number;
  /** List page size (default 500). */
  pageSize?: number;
  random?: Random;
  onError?: (error: Error, kind: Kind) => void;
  onStatus?: (status: KubernetesSourceStatus) => void;
}

export interface KindSyncStatus {
  /** The first list has been mirrored into the store. */
  synced: boolean;
  connected: boolean;
  objects: number;
  /** Lists done (1 after start; each relist after 410 Gone or a restart adds one). */
  lists: number;
  resourceVersion: string;
  lastError?: string;
}

export interface KubernetesSourceStatus {
  server: string;
  state: 'stopped' | 'connecting' | 'connected' | 'disconnected';
  connected: boolean;
  /** Every kind has listed at least once: the store holds a full (if possibly stale) picture. */
  synced: boolean;
  lastError?: string;
  lastErrorAt?: string;
  kinds: Partial<Record<Kind, KindSyncStatus>>;
}

interface KindState extends KindSyncStatus {
  info: ResourceInfo;
  informer: ListWatch<KubernetesObject>;
  backoffMs: number;
  retryTimer?: NodeJS.Timeout;
  attempted: boolean;
}

/**
 * Mirrors a Kubernetes API server into the store with client-node informers: list, then watch from
 * the list's resourceVersion; on 410 Gone the informer relists and reports objects that vanished
 * as deletions. While the API server is unreachable the store keeps the last state and the status
 * says `disconnected`; the source retries with backoff and converges when the server is back.
 * Writes are `trusted`: a real API server already validated these objects.
 */
export class KubernetesSource {
  readonly kubeConfig: KubeConfig;
  readonly kinds: readonly Kind[];
  readonly #writer: CoalescingWriter;
  readonly #states = new Map<Kind, KindState>();
  readonly #pending = new Set<Promise<void>>();
  readonly #random: Random;
  #running = false;
  #lastError: { message: string; at: string } | undefined;

  constructor(
    private readonly store: Store,
    private readonly options: KubernetesSourceOptions = {},
  ) {
    this.kubeConfig = loadKubeConfig(options);
    this.kinds = options.kinds ?? mirroredKinds(options.reconcileEndpoints ?? false);
    this.#random = options.random ?? Math.random;
    this.#writer = new CoalescingWriter(store, {
      trusted: true,
      onError: (f) => this.#error(f.kind, new Error(`kubernetes source: writing ${f.kind} "${f.key}" to the store: ${f.error.message}`)),
    });
  }

  /** Whether svcnet's own endpoints reconciler should run alongside this source. */
  get reconcileEndpoints(): boolean {
    return this.options.reconcileEndpoints ?? false;
  }

  /** Starts every informer; resolves once each has made its first list attempt (success or not) and the results are in the store. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    for (const kind of this.kinds) this.#states.set(kind, this.#makeState(kind));
    await Promise.all([...this.#states.values()].map((s) => s.informer.start().catch((e: unknown) => this.#error(s.info.kind, e))));
    await this.settle();
    this.#notify();
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    for (const s of this.#states.values()) {
      clearTimeout(s.retryTimer);
      await s.informer.stop();
    }
    await this.settle();
    this.#notify();
  }

  /** Resolves when every change seen so far has been written to the store. */
  async settle(): Promise<void> {
    while (this.#pending.size) await Promise.all([...this.#pending]);
    await this.#writer.settle();
  }

  status(): KubernetesSourceStatus {
    const kinds: Partial<Record<Kind, KindSyncStatus>> = {};
    let connected = true;
    let synced = true;
    let failing = false;
    for (const [kind, s] of this.#states) {
      kinds[kind] = {
        synced: s.synced,
        connected: s.connected,
        objects: s.informer.list().length,
        lists: s.lists,
        resourceVersion: s.informer.latestResourceVersion() || s.resourceVersion,
        ...(s.lastError ? { lastError: s.lastError } : {}),
      };
      connected &&= s.connected;
      synced &&= s.synced;
      failing ||= !s.connected && s.attempted;
    }
    return {
      server: this.kubeConfig.getCurrentCluster()?.server ?? '',
      state: !this.#running ? 'stopped' : connected && this.#states.size ? 'connected' : failing ? 'disconnected' : 'connecting',
      connected: this.#running && connected && this.#states.size > 0,
      synced: synced && this.#states.size > 0,
      ...(this.#lastError ? { lastError: this.#lastError.message, lastErrorAt: this.#lastError.at } : {}),
      kinds,
    };
  }

  #makeState(kind: Kind): KindState {
    const info = resourceInfo(kind, this.options.namespace);
    const watch = observedWatch(this.kubeConfig, {
      onEvent: () => this.#healthy(state),
      timeoutSeconds: () => this.options.watchTimeoutSeconds ?? Math.floor(300 * (1 + this.#random())),
      stopped: () => !this.#running,
    });
    const listFn = async () => {
      const list = await listRaw<KubernetesObject>(this.kubeConfig, info.path, { fieldSelector: info.fieldSelector }, { pageSize: this.options.pageSize });
      // ListWatch would open a watch after this list even if stop() came meanwhile; refuse instead.
      if (!this.#running) throw new Error('stopped');
      state.lists++;
      state.resourceVersion = list.metadata?.resourceVersion ?? '';
      this.#healthy(state);
      // The informer folds the list into its cache right after this resolves; prune after that.
      this.#track(kind, new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#prune(state)));
      return list;
    };
    const informer = new (clientNode().ListWatch)<KubernetesObject>(info.path, watch, listFn, false, undefined, info.fieldSelector);
    const state: KindState = { info, informer, synced: false, connected: false, objects: 0, lists: 0, resourceVersion: '', backoffMs: 0, attempted: false };
    informer.on('add', (o) => this.#running && this.#writer.apply(toStoreObject(info, o)));
    informer.on('update', (o) => this.#running && this.#writer.apply(toStoreObject(info, o)));
    informer.on('delete', (o) => this.#running && this.#writer.delete(kind, o.metadata?.namespace, o.metadata?.name ?? ''));
    informer.on('error', (err: unknown) => {
      state.attempted = true;
      if (!this.#running) return; // stop() aborts the watch; that is not a failure
      state.connected = false;
      this.#error(kind, err);
      this.#retry(state);
    });
    return state;
  }

  /** Deletes mirrored objects the store still holds but the API server no longer has (e.g. deleted while we were down). */
  async #prune(state: KindState): Promise<void> {
    const { kind } = state.info;
    const { items } = await this.store.list(kind, this.options.namespace ? { namespace: this.options.namespace } : undefined);
    for (const o of items) {
      if (o.metadata?.annotations?.[ANNOTATION_SOURCE] !== KUBERNETES_SOURCE) continue;
      const name = o.metadata?.name ?? '';
      const namespace = kind === 'Node' || kind === 'IngressClass' ? undefined : o.metadata?.namespace;
      if (!state.informer.get(name, namespace)) this.#writer.delete(kind, namespace, name);
    }
    await this.#writer.settle();
    state.synced = true;
    this.#notify();
  }

  #healthy(state: KindState): void {
    state.attempted = true;
    state.backoffMs = 0;
    if (state.connected) return;
    state.connected = true;
    delete state.lastError;
    this.#notify();
  }

  #retry(state: KindState): void {
    const initial = this.options.retry?.initialMs ?? 500;
    const max = this.options.retry?.maxMs ?? 30_000;
    state.backoffMs = Math.min(max, state.backoffMs ? state.backoffMs * 2 : initial);
    const delay = state.backoffMs * (0.8 + 0.4 * this.#random());
    clearTimeout(state.retryTimer);
    state.retryTimer = setTimeout(() => {
      state.retryTimer = undefined;
      if (this.#running) state.informer.start().catch((e: unknown) => this.#error(state.info.kind, e));
    }, delay);
    state.retryTimer.unref();
  }

  #track(kind: Kind, p: Promise<void>): void {
    const tracked = p.catch((e: unknown) => this.#error(kind, e)).finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  #error(kind: Kind, err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    const message = `kubernetes source: ${kind}: ${e.message}`;
    const state = this.#states.get(kind);
    if (state) state.lastError = e.message;
    this.#lastError = { message, at: new Date().toISOString() };
    this.options.onError?.(new Error(message, { cause: e }), kind);
    this.#notify();
  }

  #notify(): void {
    this.options.onStatus?.(this.status());
  }
}

/** The object as the store keeps it: kind/apiVersion filled in (list items lack them), no managedFields, our source mark. */
export function toStoreObject(info: ResourceInfo, o: KubernetesObject): KubeObject & { kind: Kind } {
  const { managedFields: _managed, ...metadata } = (o.metadata ?? {}) as NonNullable<KubernetesObject['metadata']>;
  return {
    ...(o as object),
    apiVersion: info.apiVersion,
    kind: info.kind,
    metadata: { ...metadata, annotations: { ...(metadata.annotations ?? {}), [ANNOTATION_SOURCE]: KUBERNETES_SOURCE } },
  } as KubeObject & { kind: Kind };
}
