import { hash } from 'node:crypto';
import { type AnyObject, type ManifestObject, NAMESPACED, isKind } from '@svcnet/model';

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

/** An object wanted by a file, with the identity and content digest the plan compares. */
export interface DesiredObject {
  key: string;
  kind: string;
  namespace: string | undefined;
  name: string;
  file: string;
  /** 1-based document index and line in the file, for messages. */
  index: number;
  line: number;
  /** contentDigest of the object as parsed. */
  content: string;
  /**
   * The parsed object. Absent once the manifest source has applied it and its file has not changed
   * since: the store keeps the copy that matters, and a second one per object was ~25 MB at 10,000
   * Services (issue 18). A plan that needs it again has the file read again. (Set to undefined, not
   * deleted: a deleted property turns each of 10,000s of these into a dictionary-mode object.)
   */
  object: AnyObject | undefined;
}

/**
 * What was last applied for a key, to tell changed from unchanged. The manifest source keeps the
 * DesiredObject it wrote (which has these fields), not a copy of them.
 */
export interface AppliedObject {
  key: string;
  kind: string;
  namespace: string | undefined;
  name: string;
  file: string;
  /** contentDigest of what was written. */
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
  // One flat string (join): a template literal made a rope of two ConsStrings and two more strings,
  // ~70 bytes more for each of 10,000s of keys the source keeps (issue 18).
  return { kind, namespace, name, key: namespace === undefined ? [kind, name].join('/') : [kind, namespace, name].join('/') };
}

/** Desired objects from parsed manifests, in file order; a key defined twice is reported and the first definition wins. */
export function desiredObjects(objects: readonly ManifestObject[]): { desired: Map<string, DesiredObject>; duplicates: ManifestProblem[] } {
  return selectDesired(objects.map(describeManifest));
}

/** One parsed object as the plan sees it: identity, place, digest, and the object itself. */
export function describeManifest(m: ManifestObject): DesiredObject {
  const { key, kind, namespace, name } = objectIdentity(m.object);
  // Every field spelled out, in one order: the source keeps 10,000s of these, and built by spread
  // each had a hidden class of its own (~300 bytes each) once its object was let go of.
  return { key, kind, namespace, name, file: m.source, index: m.index, line: m.line, content: contentDigest(m.object), object: m.object };
}

/** The first definition of each key, in order; later ones are reported as duplicates. */
export function selectDesired(entries: Iterable<DesiredObject>): { desired: Map<string, DesiredObject>; duplicates: ManifestProblem[] } {
  const desired = new Map<string, DesiredObject>();
  const duplicates: ManifestProblem[] = [];
  for (const d of entries) {
    const first = desired.get(d.key);
    if (first) {
      duplicates.push({
        file: d.file,
        document: d.index,
        line: d.line,
        code: 'Duplicate',
        message: `${d.file}: document ${d.index} (line ${d.line}): ${d.kind} "${d.namespace ? `${d.namespace}/` : ''}${d.name}" is already defined in ${first.file} (document ${first.index}); this copy is ignored`,
      });
      continue;
    }
    desired.set(d.key, d);
  }
  return { desired, duplicates };
}

/**
 * What tells a changed object from an unchanged one: a digest of the text as parsed (the same file
 * read again gives the same text, keys in the file's order, so a plain stringify suffices and costs a
 * fraction of a canonical form). A digest rather than the text: the source keeps one per applied
 * object, and the texts were ~15 MB at 10,000 Services (issue 18). SHA-1, not a 32-bit FNV-1a: a
 * collision would silently skip an edit, and this runs only when a file is read.
 */
export function contentDigest(object: object): string {
  return hash('sha1', JSON.stringify(object), 'base64');
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
