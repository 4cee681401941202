import { Option } from 'commander';
import {
  InvalidObjectError,
  admit,
  isWorkload,
  loadManifests,
  objectKey,
  renderTable,
  validateWorkload,
  type AnyObject,
  type ManifestObject,
} from '@svcnet/model';
import type { RegisterCommand } from './types.js';

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
  /** The manifest error's code (`UnservedApiVersion`, `SyntaxError`...) when the document was not read. */
  readonly code?: string;
}

export interface ValidateReport {
  readonly entries: ValidateEntry[];
  readonly accepted: number;
  readonly invalid: number;
  readonly unreadable: number;
}

function check(m: ManifestObject): ValidateEntry {
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
  return { ...base, accepted: errors.length === 0, errors };
}

/**
 * Loads manifests and runs each object through defaulting and validation as the API server would
 * (Deployments and StatefulSets: their selector and Pod template). Nothing is written anywhere.
 */
export async function validateManifests(paths: string | readonly string[]): Promise<ValidateReport> {
  const { objects, errors } = await loadManifests(paths);
  const entries: ValidateEntry[] = objects.map(check);
  for (const e of errors) {
    entries.push({ source: e.source, line: e.line, index: e.index, kind: '', name: '', accepted: false, errors: [e.reason], code: e.code });
  }
  entries.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : a.index - b.index || a.line - b.line));
  const accepted = entries.filter((e) => e.accepted).length;
  const unreadable = entries.filter((e) => e.code).length;
  return { entries, accepted, invalid: entries.length - accepted - unreadable, unreadable };
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
  const table = rows.length ? renderTable({ columns: ['SOURCE', 'KIND', 'NAMESPACE/NAME', 'RESULT'], rows }) : 'no manifests found\n';
  const objects = r.accepted + r.invalid;
  const parts = [`${objects} object${objects === 1 ? '' : 's'}: ${r.accepted} accepted, ${r.invalid} invalid`];
  if (r.unreadable) parts.push(`${r.unreadable} document${r.unreadable === 1 ? '' : 's'} could not be read`);
  return `${table}\n${parts.join('; ')}\n`;
}

/** `svcnet validate -f FILE|DIR [-f ...] [-o table|json]`: exit 1 when anything is invalid or unreadable. */
export const registerValidate: RegisterCommand = (program, setExitCode) => {
  program
    .command('validate')
    .description('default and validate manifests as the API server would; exit 1 if any object is invalid')
    .requiredOption('-f, --filename <path...>', 'manifest files or folders (*.yaml, *.yml, *.json; folders recursively)')
    .addOption(new Option('-o, --output <format>', 'table | json').choices(['table', 'json']).default('table'))
    .action(async (opts: { filename: string[]; output: 'table' | 'json' }) => {
      const report = await validateManifests(opts.filename);
      process.stdout.write(opts.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatValidateReport(report));
      setExitCode(report.invalid || report.unreadable || report.entries.length === 0 ? 1 : 0);
    });
};
