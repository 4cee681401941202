import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ManifestError } from './errors.js';
import { parseManifests, type ManifestLimits, type ManifestParseResult } from './parse.js';

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

async function filesUnder(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await filesUnder(p, out);
    else if (e.isFile() && MANIFEST_FILE.test(e.name)) out.push(p);
  }
}

/** Files a path names: the file itself, or every *.yaml, *.yml and *.json under a folder, sorted. */
export async function manifestFiles(path: string): Promise<string[]> {
  const s = await stat(path);
  if (!s.isDirectory()) return [path];
  const out: string[] = [];
  await filesUnder(path, out);
  return out;
}

/**
 * Reads manifests from files and folders (recursively, *.yaml, *.yml, *.json, sorted by path) and parses
 * them all. Unreadable paths become ReadFailed errors; nothing is thrown for bad input.
 */
export async function loadManifests(pathOrPaths: string | readonly string[], limits: ManifestLimits = {}): Promise<ManifestParseResult> {
  const paths = typeof pathOrPaths === 'string' ? [pathOrPaths] : pathOrPaths;
  const result: ManifestParseResult = { objects: [], errors: [] };
  const maxBytes = limits.maxBytes ?? 8 << 20;
  for (const p of paths) {
    let files: string[];
    try {
      files = await manifestFiles(p);
    } catch (e) {
      result.errors.push(new ManifestError('ReadFailed', p, 0, 0, `cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`));
      continue;
    }
    for (const f of files) {
      try {
        const size = (await stat(f)).size;
        if (size > maxBytes) {
          result.errors.push(new ManifestError('TooLarge', f, 0, 0, `the file is ${size} bytes, more than the limit of ${maxBytes}`));
          continue;
        }
        const r = parseManifests(await readFile(f, 'utf8'), f, limits);
        result.objects.push(...r.objects);
        result.errors.push(...r.errors);
      } catch (e) {
        result.errors.push(new ManifestError('ReadFailed', f, 0, 0, `cannot read: ${(e as Error).message}`));
      }
    }
  }
  return result;
}
