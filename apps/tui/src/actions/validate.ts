import { InvalidObjectError, admit, isWorkload, objectKey, renderTable, validateWorkload, type AnyObject, type ManifestObject } from '@svcnet/model';
import { readManifestFlags, skippedSummary, unknownFieldMessage, type ManifestFlags, type ManifestInput } from './manifestInput.js';

/** The outcome for one object of a manifest, or for a document that did not become an object. */
export interface ValidateEntry {
  readonly source: string;
  readonly line: number;
  readonly index: number;
  readonly kind: string;
  /** `namespace/name` for namespaced kinds, `name` otherwise; empty for unreadable documents. */
  readonly name: string;
  readonly accepted: boolean;
  /** Field errors (`spec.ports[1].name: Required value`) or the manifest error's reason. */
  readonly errors: string[];
  /** Unknown fields (kubectl's `Warning: unknown field "spec.ports[0].protocl"`); errors with --validate=strict. */
  readonly unknownFields?: string[];
  /** The manifest error's code (`UnservedApiVersion`, `SyntaxError`...) when the document was not read. */
  readonly code?: string;
}

export interface ValidateReport {
  readonly entries: ValidateEntry[];
  readonly accepted: number;
  readonly invalid: number;
  readonly unreadable: number;
  /** Documents of kinds svcnet does not use, by kind and name, left alone. */
  readonly skipped: { source: string; kind: string; name: string }[];
}

function check(m: ManifestObject, unknown: string[], strict: boolean): ValidateEntry {
  const obj = m.object as AnyObject;
  const base = { source: m.source, line: m.line, index: m.index, kind: String(obj.kind), name: objectKey(obj) };
  let errors: string[];
  if (isWorkload(obj)) errors = validateWorkload(obj).map(String);
  else {
    try {
      admit(obj as never);
      errors = [];
    } catch (e) {
      if (!(e instanceof InvalidObjectError)) throw e;
      errors = e.errors.map(String);
    }
  }
  if (strict) errors.push(...unknown.map((p) => `${p}: unknown field (--validate=strict)`));
  return { ...base, accepted: errors.length === 0, errors, ...(unknown.length ? { unknownFields: unknown } : {}) };
}

/**
 * Runs each object of the manifests through defaulting and validation as the API server would
 * (Deployments and StatefulSets: their selector and Pod template). Nothing is written anywhere.
 */
export function validateInput(input: ManifestInput): ValidateReport {
  const unknownOf = new Map<ManifestObject, string[]>();
  for (const u of input.unknown) unknownOf.set(u.manifest, [...(unknownOf.get(u.manifest) ?? []), u.path]);
  const entries: ValidateEntry[] = input.objects.map((m) => check(m, unknownOf.get(m) ?? [], input.strict));
  for (const e of input.errors) {
    entries.push({ source: e.source, line: e.line, index: e.index, kind: '', name: '', accepted: false, errors: [e.reason], code: e.code });
  }
  entries.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : a.index - b.index || a.line - b.line));
  const accepted = entries.filter((e) => e.accepted).length;
  const unreadable = entries.filter((e) => e.code).length;
  const skipped = input.skipped.map((s) => ({ source: s.source, kind: s.kind, name: s.name }));
  return { entries, accepted, invalid: entries.length - accepted - unreadable, unreadable, skipped };
}

/** Loads manifests (-f semantics) and validates them: validateInput over readManifestFlags. */
export async function validateManifests(paths: string | readonly string[], options: Omit<ManifestFlags, 'filename'> = {}): Promise<ValidateReport> {
  return validateInput(await readManifestFlags({ ...options, filename: typeof paths === 'string' ? [paths] : [...paths] }));
}

/** SOURCE KIND NAMESPACE/NAME RESULT, one line per error, then a summary line. */
export function formatValidateReport(r: ValidateReport): string {
  const rows: string[][] = [];
  for (const e of r.entries) {
    const where = e.line ? `${e.source}:${e.line}` : e.source;
    const kind = e.kind || '-';
    const name = e.name || '-';
    if (e.accepted) rows.push([where, kind, name, 'accepted']);
    else e.errors.forEach((msg, i) => rows.push(i === 0 ? [where, kind, name, msg] : ['', '', '', msg]));
  }
  const table = rows.length ? renderTable({ columns: ['SOURCE', 'KIND', 'NAMESPACE/NAME', 'RESULT'], rows }) : r.skipped.length ? '' : 'no manifests found\n';
  const objects = r.accepted + r.invalid;
  const parts = [`${objects} object${objects === 1 ? '' : 's'}: ${r.accepted} accepted, ${r.invalid} invalid`];
  if (r.unreadable) parts.push(`${r.unreadable} document${r.unreadable === 1 ? '' : 's'} could not be read`);
  if (r.skipped.length) parts.push(`${r.skipped.length} skipped`);
  return `${table}${table ? '\n' : ''}${parts.join('; ')}\n`;
}

/** `svcnet validate`: the report on stdout, warnings and the skipped-kinds note on stderr; the exit code. */
export async function runValidate(flags: ManifestFlags & { output: 'table' | 'json' }): Promise<number> {
  const input = await readManifestFlags(flags);
  const report = validateInput(input);
  if (!input.strict) for (const u of input.unknown) process.stderr.write(`${unknownFieldMessage(u, false)}\n`);
  const note = skippedSummary(input.skipped);
  if (note && flags.output !== 'json') process.stderr.write(`${note}\n`);
  process.stdout.write(flags.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatValidateReport(report));
  const nothing = report.entries.length === 0 && report.skipped.length === 0;
  return report.invalid || report.unreadable || nothing ? 1 : 0;
}
