/** The texts of one service port that go into the top-level chains on every sync. */
export interface TopLevelText {
  readonly filter: string;
  readonly natTop: string;
}

/** A run of consecutive port keys and, once asked for, the joined top-level text of its ports. */
export interface FragmentChunk {
  readonly keys: string[];
  filter: string | undefined;
  natTop: string | undefined;
}

/** Chunks split above this many keys (halves of 64: a changed port rejoins about 64 fragments). */
export const MAX_CHUNK_KEYS = 128;

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The sorted port keys in chunks, each caching the joined top-level text (KUBE-SERVICES,
 * KUBE-NODEPORTS, filter rules) of its ports. Every sync writes the top-level chains of every
 * service (as upstream); with 10,000 services that is ~1.4 MB of text from 20,000 fragments.
 * Joining a few hundred cached chunk texts, of which only the changed ones are rejoined, keeps a
 * partial sync's cost proportional to what changed plus one copy of the output.
 */
export class FragmentChunks {
  readonly chunks: FragmentChunk[] = [];
  private readonly chunkOf = new Map<string, FragmentChunk>();

  constructor(
    private readonly textOf: (key: string) => TopLevelText,
    private readonly maxKeys = MAX_CHUNK_KEYS,
  ) {}

  /** Starts over from the complete sorted key list (a full sync). */
  rebuild(sorted: readonly string[]): void {
    this.chunks.length = 0;
    this.chunkOf.clear();
    const half = this.half();
    for (let i = 0; i < sorted.length; i += half) this.addChunk(sorted.slice(i, i + half), this.chunks.length);
  }

  /** A port whose fragment was rendered: inserted in key order if new; its chunk's text is stale. */
  upsert(key: string): void {
    const known = this.chunkOf.get(key);
    if (known) {
      known.filter = known.natTop = undefined;
      return;
    }
    if (this.chunks.length === 0) {
      this.addChunk([key], 0);
      return;
    }
    const ci = Math.max(0, this.lastChunkStartingAtOrBefore(key));
    const chunk = this.chunks[ci]!;
    chunk.keys.splice(lowerBound(chunk.keys, key), 0, key);
    chunk.filter = chunk.natTop = undefined;
    this.chunkOf.set(key, chunk);
    if (chunk.keys.length > this.maxKeys) {
      const tail = chunk.keys.splice(this.half());
      this.addChunk(tail, ci + 1);
    }
  }

  /** A port that no longer exists. */
  remove(key: string): void {
    const chunk = this.chunkOf.get(key);
    if (!chunk) return;
    this.chunkOf.delete(key);
    chunk.keys.splice(lowerBound(chunk.keys, key), 1);
    chunk.filter = chunk.natTop = undefined;
    if (chunk.keys.length === 0) this.chunks.splice(this.chunks.indexOf(chunk), 1);
  }

  /** The chunk holding `key`. */
  chunkFor(key: string): FragmentChunk | undefined {
    return this.chunkOf.get(key);
  }

  /** The joined filter text of a chunk's ports (cached until one of them changes). */
  filterText(chunk: FragmentChunk): string {
    if (chunk.filter === undefined) this.join(chunk);
    return chunk.filter!;
  }

  /** The joined KUBE-SERVICES/KUBE-NODEPORTS text of a chunk's ports. */
  natTopText(chunk: FragmentChunk): string {
    if (chunk.natTop === undefined) this.join(chunk);
    return chunk.natTop!;
  }

  private join(chunk: FragmentChunk): void {
    const filter: string[] = [];
    const natTop: string[] = [];
    for (const k of chunk.keys) {
      const t = this.textOf(k);
      filter.push(t.filter);
      natTop.push(t.natTop);
    }
    chunk.filter = filter.join('');
    chunk.natTop = natTop.join('');
  }

  private half(): number {
    return Math.max(1, this.maxKeys >> 1);
  }

  private addChunk(keys: string[], at: number): void {
    const chunk: FragmentChunk = { keys, filter: undefined, natTop: undefined };
    this.chunks.splice(at, 0, chunk);
    for (const k of keys) this.chunkOf.set(k, chunk);
  }

  /** Index of the last chunk whose first key is <= `key` (-1 when `key` sorts before all). */
  private lastChunkStartingAtOrBefore(key: string): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(this.chunks[mid]!.keys[0]!, key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }
}

/** Binary search: the index of `k` in sorted `keys`, or where it would be inserted. */
function lowerBound(keys: readonly string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(keys[mid]!, k) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
