/** @jsxRuntime automatic */
/** @jsxImportSource react */
import { Text, Transform } from 'ink';
import { memo } from 'react';

/** The styles a dashboard line uses (a subset of Ink's Text props). */
export interface LineStyle {
  color?: string;
  bold?: boolean;
  dimColor?: boolean;
  inverse?: boolean;
}

const blanks = new Map<number, string>();
/** `width` spaces, one string per width (the only text Ink measures for a Line). */
function blank(width: number): string {
  let b = blanks.get(width);
  if (b === undefined) blanks.set(width, (b = ' '.repeat(width)));
  return b;
}

// Text whose every character takes one terminal column: printable ASCII, Latin-1 but the soft hyphen,
// and the glyphs the dashboard draws (`·` `…` `→`, box drawing U+2500-257F). Anything else (CJK,
// emoji, combining marks, tabs and control characters, which Ink sanitizes) is left to Ink's own
// measuring, as before.
const ONE_COLUMN_EACH = /^[\u0020-\u007e\u00a0-\u00ac\u00ae-\u00ff\u2026\u2192\u2500-\u257f]*$/;

/** True when every character of `text` takes one terminal column (so its length is its width). */
export function isOneColumnEach(text: string): boolean {
  return ONE_COLUMN_EACH.test(text);
}

/** `text` cut to `width` columns the way Ink's `wrap="truncate-end"` cuts it (cli-truncate): the last kept column is `…`. */
export function truncateEnd(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 0 ? '' : width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
}

/**
 * One screen line of at most `width` columns, truncated at the end like `<Text wrap="truncate-end">`.
 *
 * Ink 6.8 keeps, for the life of the process, every distinct string it has measured (measure-text.js
 * caches the text of every Text node Yoga lays out; vadimdemedes/ink#986, bounded in Ink 7, which
 * needs Node 22). A dashboard line changes with every AGE tick, count and lag figure, so that cache
 * grew by tens of lines per frame for as long as the dashboard ran. Here Ink lays out and measures a
 * blank of `width` spaces (styled as the line is: one string per width and style), and a Transform,
 * which Ink applies to the blank's rendered text when it writes the frame, puts the line in its place.
 * The frame is the same as `<Text wrap="truncate-end">` draws; the style's escape codes surround the
 * blank's spaces, so the replacement keeps them.
 *
 * memo: a keypress that moves the cursor changes two lines' props; React skips the others.
 */
export const Line = memo(function Line({ text, width, color, bold, dimColor, inverse }: { text: string; width: number } & LineStyle) {
  const style = { color, bold, dimColor, inverse };
  if (width < 1 || !ONE_COLUMN_EACH.test(text)) {
    return (
      <Text {...style} wrap="truncate-end">
        {text || ' '}
      </Text>
    );
  }
  const space = blank(width);
  // An empty line draws one (styled) space, as the panes' `{l || ' '}` did, so it keeps its height.
  const shown = truncateEnd(text || ' ', width);
  return (
    <Transform transform={(rendered) => rendered.replace(space, () => shown)}>
      <Text {...style}>{space}</Text>
    </Transform>
  );
});
