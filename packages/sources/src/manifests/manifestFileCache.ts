import { readFile, stat } from 'node:fs/promises';
import { MAX_MANIFEST_FILE_BYTES, ManifestError, type ManifestLimits, type SkippedDocument, parseManifests } from '@svcnet/model';
import { type DesiredObject, describeManifest } from './manifestPlan.js';

/** One file as the manifest source uses it: its objects as the plan sees them, its errors and skipped documents. */
export interface ManifestFileRead {
  objects: DesiredObject[];
  errors: ManifestError[];
  skipped: SkippedDocument[];
}

interface CachedFile {
  mtimeMs: number;
  size: number;
  ino: number;
  read: ManifestFileRead;
}

/**
 * Manifest files as last read, read and parsed again only when their size, modification time or
 * inode (an editor that saves by rename) changes: the source rescans every 2 s, and re-parsing a
 * cluster dump each time was most of the agent's steady-state garbage (issue 18).
 */
export class ManifestFileCache {
  readonly #cache = new Map<string, CachedFile>();

  async read(file: string, limits: ManifestLimits | undefined): Promise<ManifestFileRead> {
    try {
      const s = await stat(file);
      const cached = this.#cache.get(file);
      if (cached && cached.mtimeMs === s.mtimeMs && cached.size === s.size && cached.ino === s.ino) return cached.read;
      const maxBytes = limits?.maxBytes ?? MAX_MANIFEST_FILE_BYTES;
      let read: ManifestFileRead;
      if (s.size > maxBytes) read = { objects: [], errors: [tooLarge(file, s.size, maxBytes)], skipped: [] };
      else {
        const parsed = parseManifests(await readFile(file, 'utf8'), file, { ...limits, maxBytes });
        read = { objects: parsed.objects.map(describeManifest), errors: parsed.errors, skipped: parsed.skipped };
      }
      // The previous read's entries may still be what the source last applied (until it adopts this
      // read's): they must not keep that read's parsed objects alive with them.
      if (cached) for (const d of cached.read.objects) d.object = undefined;
      this.#cache.set(file, { mtimeMs: s.mtimeMs, size: s.size, ino: s.ino, read });
      return read;
    } catch (e) {
      this.#cache.delete(file);
      return { objects: [], errors: [readFailed(file, e as Error)], skipped: [] };
    }
  }

  /**
   * Lets go of the parsed objects of `file` (their identities, places and digests stay): the caller
   * has them in the store. A later plan that needs one again calls `forget` and reads the file anew.
   */
  release(file: string): void {
    const cached = this.#cache.get(file);
    if (cached) for (const d of cached.read.objects) d.object = undefined;
  }

  /** The next read of `file` parses it again, changed or not. */
  forget(file: string): void {
    this.#cache.delete(file);
  }
}

function tooLarge(file: string, size: number, max: number): ManifestError {
  return new ManifestError('TooLarge', file, 0, 0, `the file is ${size} bytes, more than the limit of ${max}`);
}

function readFailed(file: string, e: Error): ManifestError {
  return new ManifestError('ReadFailed', file, 0, 0, `cannot read: ${e.message}`);
}
