import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ManifestError } from './errors.js';
import { parseManifests, type ManifestLimits, type ManifestParseResult } from './parse.js';

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/** The path that means standard input, as in `kubectl apply -f -`. */
export const STDIN_PATH = '-';

/** How `-f` paths are read, as kubectl reads them. */
export interface ManifestReadOptions extends ManifestLimits {
  /** Descend into the folders inside a folder that is named (kubectl's `-R`); default: its files only. */
  readonly recursive?: boolean;
  /** What `-` reads; default: all of process.stdin. */
  readonly stdin?: () => Promise<string>;
}

/**
 * Largest file read from a path named on the command line: a real cluster's `kubectl get -o json`
 * dump fits. (parseManifests' own default, for text from elsewhere, stays 8 MiB.)
 */
export const MAX_MANIFEST_FILE_BYTES = 512 << 20;

async function filesUnder(dir: string, recursive: boolean, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) await filesUnder(p, recursive, out);
    } else if (e.isFile() && MANIFEST_FILE.test(e.name)) out.push(p);
  }
}

/**
 * Files a path names: the file itself, or the *.yaml, *.yml and *.json files of a folder (with
 * `recursive`, of its subfolders too), sorted by path.
 */
export async function manifestFiles(path: string, options: { recursive?: boolean } = {}): Promise<string[]> {
  const s = await stat(path);
  if (!s.isDirectory()) return [path];
  const out: string[] = [];
  await filesUnder(path, options.recursive ?? false, out);
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads manifests as `kubectl -f` does: files, folders (their manifest files; with `recursive`, their
 * subfolders' too) and `-` for standard input, in the order given, each folder sorted by path. Unreadable
 * paths become ReadFailed errors; nothing is thrown for bad input.
 */
export async function loadManifests(pathOrPaths: string | readonly string[], options: ManifestReadOptions = {}): Promise<ManifestParseResult> {
  const paths = typeof pathOrPaths === 'string' ? [pathOrPaths] : pathOrPaths;
  const result: ManifestParseResult = { objects: [], errors: [], skipped: [] };
  const limits: ManifestLimits = { ...options, maxBytes: options.maxBytes ?? MAX_MANIFEST_FILE_BYTES };
  const add = (r: ManifestParseResult) => {
    for (const o of r.objects) result.objects.push(o);
    for (const e of r.errors) result.errors.push(e);
    for (const s of r.skipped) result.skipped.push(s);
  };
  for (const p of paths) {
    if (p === STDIN_PATH) {
      try {
        add(parseManifests(await (options.stdin ?? readStdin)(), '<stdin>', limits));
      } catch (e) {
        result.errors.push(new ManifestError('ReadFailed', '<stdin>', 0, 0, `cannot read: ${(e as Error).message}`));
      }
      continue;
    }
    let files: string[];
    try {
      files = await manifestFiles(p, options);
    } catch (e) {
      result.errors.push(new ManifestError('ReadFailed', p, 0, 0, `cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`));
      continue;
    }
    for (const f of files) {
      try {
        const size = (await stat(f)).size;
        if (size > limits.maxBytes!) {
          result.errors.push(new ManifestError('TooLarge', f, 0, 0, `the file is ${size} bytes, more than the limit of ${limits.maxBytes}`));
          continue;
        }
        add(parseManifests(await readFile(f, 'utf8'), f, limits));
      } catch (e) {
        result.errors.push(new ManifestError('ReadFailed', f, 0, 0, `cannot read: ${(e as Error).message}`));
      }
    }
  }
  return result;
}
