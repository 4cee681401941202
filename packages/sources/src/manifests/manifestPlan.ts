import { type ManifestObject, NAMESPACED, isKind } from '@svcnet/model';

/** One problem with one file (or one document in it), as the manifest source reports them. */
export interface ManifestProblem {
  file: string;
  /** 1-based document index; 0 when the problem is about the whole file. */
  document: number;
  /** 1-based line; 0 when unknown. */
  line: number;
  /** ManifestError codes (SyntaxError, UnsupportedKind...), `Invalid` (validation), `Duplicate`, `WriteFailed`. */
  code: string;
  /** The full message: `file: document 2 (line 14): Service "web" is invalid: ...`. */
  message: string;
}

/** An object wanted by a file, with the identity and content the plan compares. */
export interface DesiredObject {
  key: string;
  kind: string;
  namespace: string | undefined;
  name: string;
  file: string;
  manifest: ManifestObject;
  content: string;
}

/** What was last applied for a key, to tell changed from unchanged. */
export interface AppliedObject {
  key: string;
  kind: string;
  namespace: string | undefined;
  name: string;
  file: string;
  content: string;
}

export interface ManifestPlan {
  apply: DesiredObject[];
  remove: AppliedObject[];
  /** Objects no longer seen but kept because their file currently has errors (nothing is lost to a typo). */
  kept: AppliedObject[];
  duplicates: ManifestProblem[];
}

export function objectIdentity(obj: ManifestObject['object']): { kind: string; namespace: string | undefined; name: string; key: string } {
  const kind = String(obj.kind);
  const name = obj.metadata?.name ?? '';
  const clusterScoped = isKind(kind) && !NAMESPACED[kind];
  const namespace = clusterScoped ? undefined : (obj.metadata?.namespace ?? 'default');
  return { kind, namespace, name, key: `${kind}/${namespace === undefined ? '' : `${namespace}/`}${name}` };
}

/** Desired objects from parsed manifests, in file order; a key defined twice is reported and the first definition wins. */
export function desiredObjects(objects: readonly ManifestObject[]): { desired: Map<string, DesiredObject>; duplicates: ManifestProblem[] } {
  const desired = new Map<string, DesiredObject>();
  const duplicates: ManifestProblem[] = [];
  for (const m of objects) {
    const id = objectIdentity(m.object);
    const first = desired.get(id.key);
    if (first) {
      duplicates.push({
        file: m.source,
        document: m.index,
        line: m.line,
        code: 'Duplicate',
        message: `${m.source}: document ${m.index} (line ${m.line}): ${id.kind} "${id.namespace ? `${id.namespace}/` : ''}${id.name}" is already defined in ${first.file} (document ${first.manifest.index}); this copy is ignored`,
      });
      continue;
    }
    // The text as parsed: the same file read again gives the same text (keys keep the file's order), so
    // a plain stringify tells changed from unchanged, and costs a fraction of a canonical form.
    desired.set(id.key, { ...id, file: m.source, manifest: m, content: contentOf(m.object) });
  }
  return { desired, duplicates };
}

/**
 * The stringified content of a parsed object, once per object: the source keeps a file's parse
 * while the file is unchanged, so a rescan (every 2 s) reuses the string instead of stringifying
 * every object again (at 10,000 Services that was ~15 MB of garbage per rescan, which kept the
 * agent's heap at several times its live size). Parsed objects are never mutated.
 */
const contents = new WeakMap<object, string>();
function contentOf(object: object): string {
  let c = contents.get(object);
  if (c === undefined) contents.set(object, (c = JSON.stringify(object)));
  return c;
}

/**
 * The pure heart of the manifest source: given what the files want now, what was applied before and
 * which files have errors, say what to write and what to delete. An object is (re)applied when it is
 * new, its content changed, or its last write failed; it is deleted only when no file wants it and
 * the file that had it is clean (or gone), so a syntax error never deletes anything.
 */
export function planManifestSync(
  desired: ReadonlyMap<string, DesiredObject>,
  applied: ReadonlyMap<string, AppliedObject>,
  filesWithErrors: ReadonlySet<string>,
  failed: ReadonlySet<string> = new Set(),
): Omit<ManifestPlan, 'duplicates'> {
  const apply: DesiredObject[] = [];
  const remove: AppliedObject[] = [];
  const kept: AppliedObject[] = [];
  for (const d of desired.values()) {
    const a = applied.get(d.key);
    if (!a || a.content !== d.content || a.file !== d.file || failed.has(d.key)) apply.push(d);
  }
  for (const a of applied.values()) {
    if (desired.has(a.key)) continue;
    if (filesWithErrors.has(a.file)) kept.push(a);
    else remove.push(a);
  }
  return { apply, remove, kept };
}
