import { readFile, stat } from 'node:fs/promises';
import { MAX_MANIFEST_FILE_BYTES, ManifestError, type ManifestLimits, type ManifestParseResult, parseManifests } from '@svcnet/model';

interface CachedFile {
  mtimeMs: number;
  size: number;
  parsed: ManifestParseResult;
}

/** Manifest files as last parsed, read again only when their size or modification time changes. */
export class ManifestFileCache {
  readonly #cache = new Map<string, CachedFile>();

  async read(file: string, limits: ManifestLimits | undefined): Promise<ManifestParseResult> {
    try {
      const s = await stat(file);
      const cached = this.#cache.get(file);
      if (cached && cached.mtimeMs === s.mtimeMs && cached.size === s.size) return cached.parsed;
      const maxBytes = limits?.maxBytes ?? MAX_MANIFEST_FILE_BYTES;
      const parsed: ManifestParseResult =
        s.size > maxBytes ? { objects: [], errors: [tooLarge(file, s.size, maxBytes)], skipped: [] } : parseManifests(await readFile(file, 'utf8'), file, { ...limits, maxBytes });
      this.#cache.set(file, { mtimeMs: s.mtimeMs, size: s.size, parsed });
      return parsed;
    } catch (e) {
      this.#cache.delete(file);
      return { objects: [], errors: [readFailed(file, e as Error)], skipped: [] };
    }
  }
}

function tooLarge(file: string, size: number, max: number): ManifestError {
  return new ManifestError('TooLarge', file, 0, 0, `the file is ${size} bytes, more than the limit of ${max}`);
}

function readFailed(file: string, e: Error): ManifestError {
  return new ManifestError('ReadFailed', file, 0, 0, `cannot read: ${e.message}`);
}
