/**
 * Finds the end of an HTTP head (its blank line) for both parsers: client requests on the fast
 * path (requestHeadParser.ts) and endpoint responses (responseParser.ts).
 */

/** Most heads fit in the first KiB: that much is searched as a latin1 string first. */
const HEAD_WINDOW = 1024;
const BLANK_LINE = Buffer.from('\r\n\r\n');

export interface HeadEnd {
  /** Offset in the buffer of the blank line's "\r\n\r\n". */
  at: number;
  /** Latin1 text of the buffer from `start`, covering at least the head and its blank line. */
  text: string;
}

/**
 * The blank line ending the head that starts at `start` of `buf`, or undefined when `buf` holds
 * none yet. Searching a latin1 string is several times cheaper than Buffer#indexOf with a string
 * needle, and the callers parse that string anyway; only a head longer than the window is searched
 * in the buffer.
 */
export function findHeadEnd(buf: Buffer, start: number): HeadEnd | undefined {
  const window = buf.toString('latin1', start, Math.min(buf.length, start + HEAD_WINDOW));
  const rel = window.indexOf('\r\n\r\n');
  if (rel >= 0) return { at: start + rel, text: window };
  const at = buf.length - start > HEAD_WINDOW ? buf.indexOf(BLANK_LINE, start) : -1;
  if (at < 0) return undefined;
  return { at, text: buf.toString('latin1', start, at + 4) };
}
