import { loadManifests, unknownFields, type ManifestObject, type ManifestParseResult, type SkippedDocument } from '@svcnet/model';

/** The flags every command that reads manifests takes, as kubectl's -f, -R and --validate. */
export interface ManifestFlags {
  filename: string[];
  recursive?: boolean;
  /** warn (default), strict (unknown fields are errors), ignore; kubectl's true/false mean strict/ignore. */
  validate?: string;
}

/** An unknown field of one object (kubectl: `Warning: unknown field "spec.ports[0].protocl"`). */
export interface UnknownField {
  readonly manifest: ManifestObject;
  readonly path: string;
}

export interface ManifestInput extends ManifestParseResult {
  unknown: UnknownField[];
  /** --validate=strict: unknown fields are errors. */
  strict: boolean;
}

export function strictMode(validate: string | undefined): boolean {
  return validate === 'strict' || validate === 'true';
}

/** Reads -f paths (files, folders, `-`) and finds unknown fields; prints nothing. */
export async function readManifestFlags(flags: ManifestFlags): Promise<ManifestInput> {
  const parsed = await loadManifests(flags.filename, { recursive: flags.recursive ?? false });
  const unknown: UnknownField[] = [];
  if (flags.validate !== 'ignore' && flags.validate !== 'false') {
    for (const m of parsed.objects) for (const path of unknownFields(m.object)) unknown.push({ manifest: m, path });
  }
  return { ...parsed, unknown, strict: strictMode(flags.validate) };
}

/** Where an object came from, as messages name it: `file:line`. */
export function whereFrom(m: { source: string; line: number }): string {
  return m.line ? `${m.source}:${m.line}` : m.source;
}

/** `Service "default/web"` */
export function objectLabel(m: ManifestObject): string {
  const o = m.object;
  const ns = typeof o.metadata?.namespace === 'string' ? `${o.metadata.namespace}/` : '';
  return `${String(o.kind)} "${ns}${o.metadata?.name ?? ''}"`;
}

/** kubectl's warning (or, strict, its error) for an unknown field. */
export function unknownFieldMessage(u: UnknownField, strict: boolean): string {
  const what = `unknown field ${JSON.stringify(u.path)}`;
  return strict
    ? `error: ${whereFrom(u.manifest)}: ${objectLabel(u.manifest)}: strict decoding error: ${what}`
    : `Warning: ${what} (${objectLabel(u.manifest)}, ${whereFrom(u.manifest)})`;
}

/** One line about documents of kinds svcnet does not use, or undefined when there are none. */
export function skippedSummary(skipped: readonly SkippedDocument[]): string | undefined {
  if (skipped.length === 0) return undefined;
  const byKind = new Map<string, number>();
  for (const s of skipped) byKind.set(s.kind, (byKind.get(s.kind) ?? 0) + 1);
  const kinds = [...byKind].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k} (${n})`);
  return `note: skipped ${skipped.length} document${skipped.length === 1 ? '' : 's'} of kinds svcnet does not use: ${kinds.join(', ')}`;
}

/**
 * Prints what reading manifests found on stderr (errors, unknown-field warnings, the skipped-kinds
 * note) and returns how many problems count as failures (errors; unknown fields when strict).
 */
export function reportManifestInput(input: ManifestInput, print: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): number {
  for (const e of input.errors) print(`error: ${e.message}`);
  for (const u of input.unknown) print(unknownFieldMessage(u, input.strict));
  const note = skippedSummary(input.skipped);
  if (note) print(note);
  return input.errors.length + (input.strict ? input.unknown.length : 0);
}
