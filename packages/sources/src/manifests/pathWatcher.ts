import { type FSWatcher, watch as fsWatch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface PathWatcherOptions {
  /** Quiet time after the last event before `onChange` runs (an editor's save is several events). */
  debounceMs: number;
  /** Period of the fallback rescan (0: none), for file systems whose events get lost. */
  rescanIntervalMs: number;
  /** Called after the debounce or on each rescan; the watcher re-arms missing watches after it settles. */
  onChange: () => Promise<unknown>;
}

/**
 * Watches files and folders (folders recursively, files through their parent folder, so editors that
 * save by rename are seen) and calls `onChange` debounced, plus on a periodic rescan. A watch that
 * dies with its folder is re-armed after the next change pass, once the path exists again.
 */
export class PathWatcher {
  readonly #watchers = new Map<string, FSWatcher>();
  #debounce: NodeJS.Timeout | undefined;
  #rescan: NodeJS.Timeout | undefined;
  #running = false;

  constructor(
    private readonly paths: readonly string[],
    private readonly options: PathWatcherOptions,
  ) {}

  async start(): Promise<void> {
    this.#running = true;
    await this.#arm();
    if (this.options.rescanIntervalMs > 0) {
      this.#rescan = setInterval(() => this.#schedule(0), this.options.rescanIntervalMs);
      this.#rescan.unref();
    }
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#debounce);
    clearInterval(this.#rescan);
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
  }

  async #arm(): Promise<void> {
    for (const root of this.paths) {
      if (this.#watchers.has(root)) continue;
      const s = await stat(root).catch(() => undefined);
      if (!s || !this.#running || this.#watchers.has(root)) continue;
      const target = s.isDirectory() ? root : dirname(root);
      const onEvent = () => this.#schedule(this.options.debounceMs);
      let w: FSWatcher;
      try {
        w = fsWatch(target, { recursive: s.isDirectory(), persistent: false }, onEvent);
      } catch {
        try {
          w = fsWatch(target, { persistent: false }, onEvent); // no recursive watch here: the rescan covers subfolders
        } catch {
          continue;
        }
      }
      w.on('error', () => {
        w.close();
        this.#watchers.delete(root);
      });
      this.#watchers.set(root, w);
    }
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      void this.options
        .onChange()
        .then(() => this.#arm())
        .catch(() => undefined);
    }, delayMs);
    this.#debounce.unref();
  }
}
