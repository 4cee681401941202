import { LineCounter, parseAllDocuments, type Document, type Node as YAMLNode, type YAMLError } from 'yaml';
import type { AnyObject } from '../objects.js';
import { ManifestError } from './errors.js';
import { jsonItemLines } from './jsonLines.js';
import { MANIFEST_KINDS, apiVersionProblem, isListKind, isOtherKind, suggestKind } from './kinds.js';

export interface ManifestObject {
  readonly object: AnyObject;
  /** The file (or `<stdin>`) it came from. */
  readonly source: string;
  /** 1-based document index in the source. */
  readonly index: number;
  /** 1-based line where the object starts. */
  readonly line: number;
  /** 1-based position in the `items` of a `kind: List` document; absent for plain documents. */
  readonly item?: number;
}

/** A document of a kind svcnet does not use (a Namespace, a ConfigMap, RBAC, a custom resource): read and left alone. */
export interface SkippedDocument {
  readonly kind: string;
  readonly apiVersion: string;
  readonly name: string;
  readonly source: string;
  readonly index: number;
  /** 1-based line; 0 when not known (items of a JSON List). */
  readonly line: number;
}

export interface ManifestParseResult {
  objects: ManifestObject[];
  errors: ManifestError[];
  skipped: SkippedDocument[];
}

/** Limits against hostile input ("YAML bombs"); the defaults are far above any real manifest. */
export interface ManifestLimits {
  /** Largest text accepted, in characters (default 8 MiB). */
  readonly maxBytes?: number;
  /** Largest single document, in characters (default 3 MiB, twice the API server's request limit). */
  readonly maxDocumentBytes?: number;
  /** Most alias dereferences per document (default 100, as the yaml library). */
  readonly maxAliasCount?: number;
  /** Deepest nesting of maps and lists (default 64). */
  readonly maxDepth?: number;
}

const DEFAULTS = { maxBytes: 8 << 20, maxDocumentBytes: 3 << 20, maxAliasCount: 100, maxDepth: 64 };

function depthExceeds(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) return true;
    for (const child of Object.values(v as object)) stack.push([child, d + 1]);
  }
  return false;
}

function syntaxReason(e: YAMLError, text: string): string {
  const reason = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  if (e.code === 'DUPLICATE_KEY') {
    const end = text.indexOf('\n', e.pos[0]);
    const rest = text.slice(e.pos[0], end < 0 ? undefined : end);
    const key = rest.split(':')[0]!.trim();
    return `${reason}: ${JSON.stringify(key)} appears twice in one mapping (is a "---" document separator missing?)`;
  }
  return reason;
}

/**
 * The deepest `[`/`{` nesting of flow collections, skipping quoted text and comments; a cheap guard run
 * before parsing, because the parser's work grows faster than linearly with such nesting.
 */
function flowDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return max;
}

/**
 * Replaces every document (between `---` markers) whose flowDepth exceeds `maxDepth` with as many
 * blank lines, keeping line numbers and document indexes of the others; reports each by index/line.
 */
function blankTooDeepDocuments(text: string, maxDepth: number, report: (index: number, line: number) => void): string {
  if (flowDepth(text) <= maxDepth) return text;
  const markers = [...text.matchAll(/^---(?=\s|$)/gm)].map((m) => m.index);
  const starts = markers[0] === 0 ? markers : [0, ...markers];
  let out = '';
  let index = 0;
  for (let k = 0; k < starts.length; k++) {
    const chunk = text.slice(starts[k], starts[k + 1] ?? text.length);
    const isDocument = chunk.startsWith('---') || /^\s*[^\s#]/m.test(chunk);
    if (isDocument) index++;
    if (flowDepth(chunk) > maxDepth) {
      report(index, text.slice(0, starts[k]).split('\n').length);
      out += (chunk.startsWith('---') ? '---' : '') + chunk.replace(/[^\n]/g, '').slice(0);
    } else out += chunk;
  }
  return out;
}

const MAX_ERRORS_PER_DOCUMENT = 5;

/** Checks one object's kind and apiVersion; returns the error to report, 'skip' for a kind svcnet leaves alone, or undefined. */
function checkTypeMeta(obj: AnyObject, err: (code: ManifestError['code'], reason: string, node?: string) => ManifestError): ManifestError | 'skip' | undefined {
  const kind = obj.kind;
  const misspelt = (field: string) => Object.keys(obj).find((k) => k !== field && k.toLowerCase() === field.toLowerCase());
  if (typeof kind !== 'string' || kind === '') {
    const near = misspelt('kind');
    if (near) return err('MissingKind', `kind is required: found ${JSON.stringify(near)}, but field names are case-sensitive; write "kind"`, near);
    return err('MissingKind', 'kind is required (for example "kind: Service")');
  }
  if (!Object.prototype.hasOwnProperty.call(MANIFEST_KINDS, kind)) {
    if (isOtherKind(kind, obj.apiVersion)) return 'skip';
    const hint = suggestKind(kind);
    if (hint && hint !== kind) return err('UnsupportedKind', `kind ${JSON.stringify(kind)} is not known: did you mean ${JSON.stringify(hint)}?`, 'kind');
    return err('UnsupportedKind', `kind ${kind} is not served for apiVersion ${JSON.stringify(obj.apiVersion ?? '')}: svcnet reads ${Object.keys(MANIFEST_KINDS).join(', ')} and skips the other built-in kinds and custom resources`, 'kind');
  }
  const apiVersion = obj.apiVersion;
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    const near = misspelt('apiVersion');
    const hint = near ? `found ${JSON.stringify(near)}, but field names are case-sensitive; write "apiVersion: ${MANIFEST_KINDS[kind]}"` : `use ${JSON.stringify(MANIFEST_KINDS[kind])} for kind ${kind}`;
    return err('MissingApiVersion', `apiVersion is required: ${hint}`, near);
  }
  const problem = apiVersionProblem(kind, apiVersion);
  return problem ? err('UnservedApiVersion', problem, 'apiVersion') : undefined;
}

/** Where things of one document are: its own line, and the line of a field or of a List item, found on demand. */
interface DocumentLines {
  readonly start: number;
  /** Line of `field` in the object at `item` (1-based List position) or in the document itself. */
  field(field: string | undefined, item?: number): number;
  item(item: number): number;
}

/**
 * Turns one parsed document into objects (expanding Lists), skipped documents and errors. Shared by
 * the YAML and JSON readers. Every line number is a plain number, found while the document is read:
 * a lazy getter would keep the file's text (and a YAML document's syntax tree) alive for as long as
 * its objects live — the whole of a cluster dump for as long as the manifest source caches the parse
 * (issue 18: ~30 MB at 10,000 Services). `lines` scans the text at most once per document.
 */
function acceptDocument(value: unknown, source: string, index: number, lines: DocumentLines, lim: typeof DEFAULTS, result: ManifestParseResult): void {
  const fail = (code: ManifestError['code'], reason: string, line = lines.start): void => {
    result.errors.push(new ManifestError(code, source, index, line, reason));
  };
  if (value === null || value === undefined) return; // empty or comment-only document
  if (depthExceeds(value, lim.maxDepth)) return fail('TooDeep', `the document nests deeper than ${lim.maxDepth} levels`);
  if (typeof value !== 'object' || Array.isArray(value)) return fail('NotAnObject', `expected an object with apiVersion and kind, found ${Array.isArray(value) ? 'a list' : `the ${typeof value} ${JSON.stringify(value)}`}`);

  const accept = (obj: AnyObject, item?: number) => {
    const problem = checkTypeMeta(obj, (code, reason, field) => {
      const what = item === undefined ? '' : `items[${item - 1}]: `;
      return new ManifestError(code, source, index, lines.field(field, item), what + reason);
    });
    if (problem === 'skip') {
      const name = typeof obj.metadata?.name === 'string' ? obj.metadata.name : '';
      result.skipped.push({ kind: String(obj.kind), apiVersion: String(obj.apiVersion ?? ''), name, source, index, line: lineOf(item) });
    } else if (problem) result.errors.push(problem);
    else result.objects.push(item === undefined ? { object: obj, source, index, line: lines.start } : { object: obj, source, index, item, line: lines.item(item) });
  };
  const lineOf = (item: number | undefined) => (item === undefined ? lines.start : lines.item(item));

  const obj = value as AnyObject;
  if (typeof obj.kind === 'string' && isListKind(obj.kind) && Array.isArray(obj.items)) {
    obj.items.forEach((it: unknown, j: number) => {
      if (it === null || typeof it !== 'object' || Array.isArray(it)) fail('NotAnObject', `items[${j}]: expected an object with apiVersion and kind`, lines.item(j + 1));
      else accept(it as AnyObject, j + 1);
    });
    return;
  }
  accept(obj);
}

/**
 * JSON documents (what `kubectl get -o json` prints) read by the JSON parser: an order of magnitude
 * faster than the YAML parser on a cluster dump. Undefined when `text` is not one JSON object; the
 * YAML reader then reports whatever is wrong, with lines.
 */
function parseJSONDocument(text: string, source: string, lim: typeof DEFAULTS): ManifestParseResult | undefined {
  let at = 0;
  while (at < text.length && (text.charCodeAt(at) <= 32 || text.charCodeAt(at) === 0xfeff)) at++;
  if (text[at] !== '{') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const result: ManifestParseResult = { objects: [], errors: [], skipped: [] };
  const start = lineOfOffset(text, at);
  let itemLines: number[] | undefined;
  const lines: DocumentLines = {
    start,
    item: (item) => (itemLines ??= jsonItemLines(text))[item - 1] ?? start,
    field: (_field, item) => (item === undefined ? start : lines.item(item)),
  };
  const list = typeof (value as AnyObject).kind === 'string' && isListKind((value as AnyObject).kind as string);
  if (!list && text.length > lim.maxDocumentBytes) {
    result.errors.push(new ManifestError('TooLarge', source, 1, start, `the document is larger than the limit of ${lim.maxDocumentBytes} bytes`));
    return result;
  }
  acceptDocument(value, source, 1, lines, lim, result);
  return result;
}

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Parses multi-document YAML or JSON into objects. `kind: List` (and `ServiceList` and the like)
 * documents are expanded into their items; empty documents are skipped, and so are documents of
 * kinds svcnet does not use (listed in `skipped`). Every problem is reported with file, document and
 * line, and never stops the other documents from being read.
 */
export function parseManifests(text: string, source = '<stdin>', limits: ManifestLimits = {}): ManifestParseResult {
  const lim = { ...DEFAULTS, ...limits };
  if (text.length > lim.maxBytes) {
    const result: ManifestParseResult = { objects: [], errors: [], skipped: [] };
    result.errors.push(new ManifestError('TooLarge', source, 0, 0, `the file is ${text.length} bytes, more than the limit of ${lim.maxBytes}`));
    return result;
  }
  return parseJSONDocument(text, source, lim) ?? parseYAMLDocuments(text, source, lim);
}

function parseYAMLDocuments(text: string, source: string, lim: typeof DEFAULTS): ManifestParseResult {
  const result: ManifestParseResult = { objects: [], errors: [], skipped: [] };
  // Blank out each document whose flow collections nest too deep (reported with its index and line),
  // so that one hostile document does not cost the good ones in the same file.
  text = blankTooDeepDocuments(text, lim.maxDepth, (index, line) =>
    result.errors.push(new ManifestError('TooDeep', source, index, line, `[ and { nest deeper than ${lim.maxDepth} levels`)),
  );
  const lc = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { lineCounter: lc, merge: true, prettyErrors: false }) as Document.Parsed[];
  } catch (e) {
    // The parser is recursive: absurd nesting overflows the stack before any depth check can run.
    result.errors.push(new ManifestError('TooDeep', source, 0, 0, `cannot parse: ${(e as Error).message}`));
    return result;
  }
  if (!Array.isArray(docs)) return result;
  const lineAt = (offset: number | undefined) => (offset === undefined ? 0 : lc.linePos(offset).line);

  docs.forEach((doc, i) => {
    const index = i + 1;
    const start = lineAt(doc.contents?.range[0] ?? doc.range[0]);
    const fail = (code: ManifestError['code'], reason: string, line = start): void => {
      result.errors.push(new ManifestError(code, source, index, line, reason));
    };
    if (doc.errors.length) {
      for (const e of doc.errors.slice(0, MAX_ERRORS_PER_DOCUMENT)) fail('SyntaxError', syntaxReason(e, text), lineAt(e.pos?.[0]) || start);
      const more = doc.errors.length - MAX_ERRORS_PER_DOCUMENT;
      if (more > 0) fail('SyntaxError', `and ${more} more syntax error${more === 1 ? '' : 's'}`, lineAt(doc.errors[MAX_ERRORS_PER_DOCUMENT]!.pos?.[0]) || start);
      return;
    }
    if (doc.range[1] - doc.range[0] > lim.maxDocumentBytes) return fail('TooLarge', `the document is larger than the limit of ${lim.maxDocumentBytes} bytes`);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: lim.maxAliasCount });
    } catch (e) {
      return fail('TooManyAliases', `${(e as Error).message}: more than ${lim.maxAliasCount} alias references`);
    }
    let items: YAMLNode[] | undefined;
    const itemsNode = () => (items ??= (doc.get('items', true) as { items?: YAMLNode[] } | undefined)?.items);
    const nodeOf = (item?: number): YAMLNode | undefined => (item === undefined ? (doc.contents ?? undefined) : itemsNode()?.[item - 1]);
    const lines: DocumentLines = {
      start,
      item: (item) => lineAt(nodeOf(item)?.range?.[0]) || start,
      field: (field, item) => {
        const node = nodeOf(item);
        const line = lineAt(node?.range?.[0]) || start;
        if (!field || !node || !('get' in node)) return line;
        const n = (node as unknown as { get(k: string, keep: true): YAMLNode | undefined }).get(field, true);
        return lineAt(n?.range?.[0]) || line;
      },
    };
    acceptDocument(value, source, index, lines, lim, result);
  });
  return result;
}
