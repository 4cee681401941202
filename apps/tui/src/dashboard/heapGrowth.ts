import { setFlagsFromString } from 'node:v8';

/** How much V8 lets the old generation grow past what the last full GC kept: 50 %. */
const HEAP_GROWING_PERCENT = 50;

/**
 * Bounds how far the dashboard's heap grows between full GCs. Call it before Ink loads.
 *
 * Why: every frame Ink 6.8 builds a grid of one object per screen cell and tokenizes every line
 * again (Output.get, ~3 MB for 160x50), and part of each frame outlives a scavenge and reaches the
 * old generation. V8 sets the next full GC's limit at up to 4x the live heap when its GCs look
 * cheap, so after start-up (~85 MB live at 10,000 Services) the heap filled with frame garbage to
 * ~320 MB before the first full GC (bench/tui, 30 s: RSS 400-440 MB, live 86 MB). A fixed factor of
 * 1.5 keeps the heap near 1.5x live: full GCs come every few seconds, incremental and short, and the
 * keypress latency did not suffer (decision 019 has the figures). The flag is read each time V8
 * recomputes its limits after a full GC, so setting it at run time takes effect from the next one.
 */
export function boundHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
