import { resolve, sep } from 'node:path';
import {
  InvalidObjectError,
  KINDS,
  type Kind,
  type KubeObject,
  ManifestError,
  type ManifestObject,
  manifestFiles,
  type Pod,
  type SkippedDocument,
  ANNOTATION_SOURCE,
} from '@svcnet/model';
import { type Store, type WriteOptions, isStoreError } from '@svcnet/store';
import type { Workload } from '../simulator/podFactory.js';
import type { WorkloadSimulator } from '../simulator/workloadSimulator.js';
import { ManifestFileCache, type ManifestFileRead } from './manifestFileCache.js';
import type { ManifestSourceOptions, ManifestSourceStatus, ManifestSyncResult } from './manifestSourceOptions.js';
import { PathWatcher } from './pathWatcher.js';
import { type AppliedObject, type DesiredObject, type ManifestProblem, describeManifest, objectIdentity, planManifestSync, selectDesired } from './manifestPlan.js';

export type { ManifestSourceOptions, ManifestSourceStatus, ManifestSyncResult } from './manifestSourceOptions.js';

export const FILE_SOURCE_PREFIX = 'file:';

/** A pass's listing: the files, each one's read, and what listing them found wrong. */
interface FileReads {
  files: string[];
  reads: ManifestFileRead[];
  problems: ManifestProblem[];
  filesWithErrors: Set<string>;
  /** Every path listed without a problem (a quiet pass may be reused only then). */
  listed: boolean;
}

/**
 * Applies a folder of manifests to the store, and keeps applying it as files change: new objects
 * are created, changed ones applied, ones removed from the files deleted. Each object is marked
 * with the file that owns it (annotation `svcnet.io/source: file:<path>`), so a restart with a
 * shared store also removes what was deleted while it was down. Bad documents are reported with
 * file, document and line; the good ones in the same file still apply.
 */
export class ManifestSource {
  readonly paths: string[];
  readonly #reader = new ManifestFileCache();
  /**
   * What was last applied per key: the file cache's own entry for it (a DesiredObject is an
   * AppliedObject), not a copy. A copy per object was ~4 MB at 21,000 objects (issue 18); `#adoptCurrent`
   * points unchanged keys at the current read's entries so the cache's old ones can go.
   */
  readonly #applied = new Map<string, AppliedObject>();
  readonly #failed = new Set<string>();
  /** Objects the store or simulator rejected as invalid, by key, with the content rejected and the problem. */
  readonly #rejected = new Map<string, { content: string; code: string; reason: string }>();
  #watcher: PathWatcher | undefined;
  readonly #marks = new Map<string, string>();
  /** `options.parsed` as the plan sees it, described once. */
  #given: ManifestFileRead | undefined;
  #problems: ManifestProblem[] = [];
  #files: string[] = [];
  #syncs = 0;
  #lastSyncAt: string | undefined;
  #running = false;
  #syncing: Promise<ManifestSyncResult> | undefined;
  #again = false;
  /**
   * The last pass, when it wrote nothing: the files it listed, each file's read (the cache's object)
   * and its result. A rescan that lists the same files and gets the same reads would plan the same
   * nothing, so it returns that result instead: planning 21,000 objects every 2 s made ~1 MB of
   * maps and arrays each time, large enough to go straight to old space, and the agent's RSS climbed
   * ~50 MB between major collections while idle (issue 18).
   */
  #quiet: { files: readonly string[]; reads: readonly ManifestFileRead[]; result: ManifestSyncResult } | undefined;

  constructor(
    private readonly store: Store,
    private readonly options: ManifestSourceOptions,
  ) {
    this.paths = (typeof options.paths === 'string' ? [options.paths] : [...options.paths]).map((p) => resolve(p));
  }

  /** Applies everything once, then (unless watch is false) follows changes. Resolves with the first pass's result. */
  async start(): Promise<ManifestSyncResult> {
    this.#running = true;
    const result = await this.sync();
    if (this.options.watch !== false && this.#running && !this.options.parsed) {
      this.#watcher = new PathWatcher(this.paths, {
        debounceMs: this.options.debounceMs ?? 100,
        rescanIntervalMs: this.options.rescanIntervalMs ?? 2000,
        onChange: () => this.sync(),
      });
      await this.#watcher.start();
    }
    return result;
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#watcher?.stop();
    this.#watcher = undefined;
    while (this.#syncing) await this.#syncing.catch(() => undefined);
  }

  status(): ManifestSourceStatus {
    return {
      running: this.#running,
      paths: this.paths,
      files: this.#files.length,
      objects: this.#applied.size,
      syncs: this.#syncs,
      ...(this.#lastSyncAt ? { lastSyncAt: this.#lastSyncAt } : {}),
      problems: this.#problems,
    };
  }

  /** Re-reads the files now and applies the differences (concurrent calls share one pass, then run once more). */
  async sync(): Promise<ManifestSyncResult> {
    if (this.#syncing) {
      this.#again = true;
      return this.#syncing;
    }
    this.#syncing = (async () => {
      let result: ManifestSyncResult;
      do {
        this.#again = false;
        result = await this.#pass();
      } while (this.#again && this.#running);
      return result;
    })().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  async #pass(): Promise<ManifestSyncResult> {
    const first = this.#syncs === 0;
    const listed = await this.#readFiles();
    if (this.#unchangedSinceQuiet(listed)) return this.#finish(listed.files, this.#quiet!.result, this.#problems);
    let read = this.#describe(listed);
    let plan = planManifestSync(read.desired, this.#applied, read.filesWithErrors, this.#failed);
    // An object to write whose file is unchanged since the cache let go of it (a duplicate that now
    // wins, a removed object's file back): read those files again, once, and plan from that.
    const stale = new Set(plan.apply.filter((d) => !d.object).map((d) => d.file));
    if (stale.size) {
      for (const file of stale) this.#reader.forget(file);
      read = this.#describe(await this.#readFiles());
      plan = planManifestSync(read.desired, this.#applied, read.filesWithErrors, this.#failed);
    }
    const { files, desired, problems, skipped } = read;
    for (const key of this.#rejected.keys()) if (!desired.has(key)) this.#rejected.delete(key);
    const result: ManifestSyncResult = { files, created: 0, updated: 0, unchanged: 0, deleted: 0, kept: plan.kept.length, problems, skipped };
    let wrote = plan.remove.length > 0;
    for (const d of plan.apply) wrote = (await this.#applyOne(d, result)) || wrote;
    for (const a of plan.remove) await this.#removeOne(a, result);
    this.#adoptCurrent(desired);
    this.#release(files, desired);
    if (first) {
      await this.#pruneLeftovers(desired, result);
      // Taking over (a resumed simulator): Pods of workloads no file names any more go, unless a
      // file could not be read whole this pass (its workloads may still be wanted).
      if (problems.length === 0) this.options.simulator?.pruneUnclaimed();
    }
    this.#quiet = !first && !wrote && !this.#again && read.listed ? { files, reads: read.reads, result } : undefined;
    // Report what is new since the last pass: a rescan every few seconds must not repeat old news.
    const before = new Set(this.#problems.map((p) => p.message));
    for (const p of problems) if (!before.has(p.message)) this.options.onProblem?.(p);
    return this.#finish(files, result, problems);
  }

  /** Whether this listing and these reads are the quiet pass's: the same files, each read the same object. */
  #unchangedSinceQuiet(listed: FileReads): boolean {
    const q = this.#quiet;
    if (!q || !listed.listed || listed.files.length !== q.files.length || listed.reads.length !== q.reads.length) return false;
    return listed.files.every((f, i) => f === q.files[i]) && listed.reads.every((r, i) => r === q.reads[i]);
  }

  /** A pass's bookkeeping, and its result to the caller and `onSync`. */
  #finish(files: string[], result: ManifestSyncResult, problems: ManifestProblem[]): ManifestSyncResult {
    this.#files = files;
    if (this.#marks.size > files.length) {
      const current = new Set(files);
      for (const file of this.#marks.keys()) if (!current.has(file)) this.#marks.delete(file);
    }
    this.#syncs++;
    this.#lastSyncAt = new Date().toISOString();
    this.#problems = problems;
    this.options.onSync?.(result);
    return result;
  }

  /** Every file's read (the cache's object when the file is unchanged). */
  async #readFiles(): Promise<FileReads> {
    const problems: ManifestProblem[] = [];
    const filesWithErrors = new Set<string>();
    const files = this.options.parsed ? [] : await this.#listFiles(problems, filesWithErrors);
    const reads: ManifestFileRead[] = [];
    if (this.options.parsed) reads.push((this.#given ??= { ...this.options.parsed, objects: this.options.parsed.objects.map(describeManifest) }));
    for (const file of files) reads.push(await this.#reader.read(file, this.options.limits));
    return { files, reads, problems, filesWithErrors, listed: problems.length === 0 };
  }

  /** The desired set from the reads, and what is wrong. */
  #describe({ files, reads, problems, filesWithErrors, listed }: FileReads): FileReads & { desired: Map<string, DesiredObject>; skipped: SkippedDocument[] } {
    const entries: DesiredObject[] = [];
    const skipped: SkippedDocument[] = [];
    for (const r of reads) {
      for (const d of r.objects) entries.push(d);
      for (const d of r.skipped) skipped.push(d);
      for (const e of r.errors) {
        problems.push(fromManifestError(e));
        filesWithErrors.add(e.source);
      }
    }
    const { desired, duplicates } = selectDesired(entries);
    problems.push(...duplicates);
    return { files, reads, desired, problems, filesWithErrors, skipped, listed };
  }

  /**
   * Points each applied key whose object is unchanged at this read's entry for it: after a file is
   * read again (any edit in it) the applied entries would otherwise be the previous read's, kept
   * beside the cache's new ones.
   */
  #adoptCurrent(desired: ReadonlyMap<string, DesiredObject>): void {
    for (const d of desired.values()) {
      const a = this.#applied.get(d.key);
      if (a !== undefined && a !== d && a.content === d.content && a.file === d.file && !this.#failed.has(d.key)) this.#applied.set(d.key, d);
    }
  }

  /** The cache lets go of the parsed objects of each file whose objects are all written (none to retry). */
  #release(files: readonly string[], desired: ReadonlyMap<string, DesiredObject>): void {
    const unsettled = new Set<string>();
    for (const key of this.#failed) {
      const file = desired.get(key)?.file;
      if (file) unsettled.add(file);
    }
    for (const file of files) if (!unsettled.has(file)) this.#reader.release(file);
  }

  async #listFiles(problems: ManifestProblem[], filesWithErrors: Set<string>): Promise<string[]> {
    const files: string[] = [];
    for (const root of this.paths) {
      try {
        files.push(...(await manifestFiles(root, { recursive: this.options.recursive ?? false })));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        problems.push({ file: root, document: 0, line: 0, code: 'ReadFailed', message: `${root}: cannot read: ${code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}` });
        // A missing path means its objects are gone; any other failure keeps them until it reads again.
        if (code !== 'ENOENT') for (const a of this.#applied.values()) if (a.file === root || a.file.startsWith(root + sep)) filesWithErrors.add(a.file);
      }
    }
    return [...new Set(files)];
  }

  /** Writes `d` (or reports it still invalid); whether it tried to write or must try again. */
  async #applyOne(d: DesiredObject, result: ManifestSyncResult): Promise<boolean> {
    const at = `${d.file}: document ${d.index} (line ${d.line})`;
    const rejected = this.#rejected.get(d.key);
    if (rejected?.content === d.content) {
      // Still invalid and unchanged: writing it again would fail the same way.
      result.problems.push({ file: d.file, document: d.index, line: d.line, code: rejected.code, message: `${at}: ${rejected.reason}` });
      return false;
    }
    const parsed = d.object;
    if (!parsed) {
      // Its file was let go of and a change elsewhere made this copy the one wanted while the pass
      // ran: read the file again on the next pass, which runs right after this one.
      this.#reader.forget(d.file);
      this.#failed.add(d.key);
      this.#again = true;
      return true;
    }
    this.#rejected.delete(d.key);
    try {
      if (d.kind === 'Deployment' || d.kind === 'StatefulSet') {
        if (!this.options.simulator) {
          throw new NoSimulatorError(`${d.kind} "${d.name}" needs the workload simulator to become Pods (enable it, or list Pods instead)`);
        }
        const existed = this.#applied.has(d.key);
        this.options.simulator.apply(parsed as unknown as Workload); // it keeps its own copy
        if (existed) result.updated++;
        else result.created++;
      } else {
        // A shallow copy: the store copies what it keeps, and only the top level and metadata change here.
        const given = parsed as unknown as KubeObject & { kind: Kind };
        const object = { ...given, metadata: { ...given.metadata, annotations: { ...given.metadata?.annotations, [ANNOTATION_SOURCE]: this.#mark(d.file) } } };
        // A bare Pod is scheduled and started by the simulator, as a cluster's scheduler and
        // kubelet would: the file's Pod is written as a client's (any status in it is dropped by
        // the store, as the API server drops it), then the status the simulator reports for it
        // through the status subresource, as the kubelet reports it.
        const adopted = this.#adopt(object);
        try {
          const r = await this.store.apply(adopted?.pod ?? object, this.#writeOptions());
          if (adopted) await this.store.updateStatus(adopted.pod, this.#writeOptions());
          result[r.action]++;
        } catch (e) {
          adopted?.undo();
          throw e;
        }
      }
      this.#applied.set(d.key, d);
      this.#failed.delete(d.key);
    } catch (e) {
      this.#failed.add(d.key);
      const err = e as Error;
      const code = e instanceof InvalidObjectError ? 'Invalid' : e instanceof NoSimulatorError ? 'NoSimulator' : isStoreError(e) ? e.code : 'WriteFailed';
      result.problems.push({ file: d.file, document: d.index, line: d.line, code, message: `${at}: ${err.message}` });
      if (code === 'Invalid' || code === 'NoSimulator') this.#rejected.set(d.key, { content: d.content, code, reason: err.message });
    }
    return true;
  }

  /**
   * The `svcnet.io/source` value for a file, one string per file: every object the store keeps holds
   * it, and a template literal per object made 10,000s of copies of the same text (issue 18).
   */
  #mark(file: string): string {
    let mark = this.#marks.get(file);
    if (mark === undefined) this.#marks.set(file, (mark = `${FILE_SOURCE_PREFIX}${file}`));
    return mark;
  }

  #writeOptions(): WriteOptions {
    const fence = this.options.fence?.();
    return fence ? { fence } : {};
  }

  #adopt(object: KubeObject & { kind: Kind }): ReturnType<WorkloadSimulator['adoptPod']> {
    if (object.kind !== 'Pod' || !this.options.simulator) return undefined;
    const pod = object as Pod & { kind: 'Pod' };
    // A Pod naming an owner belongs to a controller the simulator does not run.
    if (pod.metadata?.ownerReferences?.length) return undefined;
    return this.options.simulator.adoptPod(pod);
  }

  async #removeOne(a: AppliedObject, result: ManifestSyncResult): Promise<void> {
    try {
      if (a.kind === 'Deployment' || a.kind === 'StatefulSet') {
        this.options.simulator?.remove(a.kind, a.namespace, a.name);
      } else if ((KINDS as string[]).includes(a.kind)) {
        const current = await this.store.get(a.kind as Kind, a.namespace, a.name);
        // Only delete what this file still owns: another writer may have taken the object over
        // (and a bare Pod's address stays taken with it).
        if (current?.metadata?.annotations?.[ANNOTATION_SOURCE] === `${FILE_SOURCE_PREFIX}${a.file}`) {
          await this.store.delete(a.kind as Kind, a.namespace, a.name, this.#writeOptions());
          if (a.kind === 'Pod') this.options.simulator?.releasePod(a.namespace, a.name);
        }
      }
      this.#applied.delete(a.key);
      this.#failed.delete(a.key);
      result.deleted++;
    } catch (e) {
      if (isStoreError(e, 'NotFound')) {
        this.#applied.delete(a.key);
        return;
      }
      result.problems.push({ file: a.file, document: 0, line: 0, code: 'WriteFailed', message: `${a.file}: deleting ${a.key}: ${(e as Error).message}` });
    }
  }

  /** On the first pass: objects an earlier run applied from files under our paths that no file wants any more. */
  async #pruneLeftovers(desired: ReadonlyMap<string, DesiredObject>, result: ManifestSyncResult): Promise<void> {
    const ours = (file: string) => this.paths.some((root) => file === root || file.startsWith(root + sep));
    for (const kind of KINDS) {
      const { items } = await this.store.list(kind);
      for (const o of items) {
        const mark = o.metadata?.annotations?.[ANNOTATION_SOURCE];
        if (!mark?.startsWith(FILE_SOURCE_PREFIX) || !ours(mark.slice(FILE_SOURCE_PREFIX.length))) continue;
        const id = objectIdentity({ ...o, kind } as ManifestObject['object']);
        if (desired.has(id.key)) continue;
        const file = mark.slice(FILE_SOURCE_PREFIX.length);
        if (result.problems.some((p) => p.file === file)) continue;
        await this.#removeOne({ ...id, file, content: '' }, result);
      }
    }
  }
}

class NoSimulatorError extends Error {
  readonly code = 'NoSimulator';
}

function fromManifestError(e: ManifestError): ManifestProblem {
  return { file: e.source, document: e.index, line: e.line, code: e.code, message: e.message };
}
