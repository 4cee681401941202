/** @jsxRuntime automatic */
/** @jsxImportSource react */
import { Box, Text, Transform } from 'ink';
import { memo } from 'react';
import { isOneColumnEach, Line } from './line.js';
import type { TableLine } from './panes.js';

/** Spaces between two columns, and before the fault mark (tableLines joins cells with two spaces, then `  !`). */
const GAP = 2;

const blocks = new Map<string, string>();
/** `rows` lines of `width` spaces: one string per size, so Ink's measure cache holds one entry per size (line.tsx says why). */
function blankBlock(width: number, rows: number): string {
  const id = `${width}x${rows}`;
  let b = blocks.get(id);
  if (b === undefined) blocks.set(id, (b = Array.from({ length: rows }, () => ' '.repeat(width)).join('\n')));
  return b;
}

/**
 * A line drawn cell by cell: one with no style of its own (not selected, not changed, not red), of
 * one-column characters, as many cells as columns, that fits the screen. Any other line is drawn
 * whole, as a Line.
 */
function drawnInColumns(l: TableLine, columns: number, color: boolean, width: number): boolean {
  return !l.selected && !l.changed && !(color && l.fault) && l.cells.length === columns && l.text.length <= width && isOneColumnEach(l.text);
}

/**
 * One column of the table: a blank block as tall as the table and as wide as the column, whose
 * lines a Transform replaces with the column's cells ('' leaves a line to the whole-line drawing).
 */
const Column = memo(function Column({ cells, width, marginLeft }: { cells: readonly string[]; width: number; marginLeft: number }) {
  return (
    <Box width={width} flexShrink={0} marginLeft={marginLeft}>
      <Transform transform={(_, i) => cells[i] ?? ''}>
        <Text>{blankBlock(width, cells.length)}</Text>
      </Transform>
    </Box>
  );
});

/**
 * The table's rows, drawn as one block per column instead of one text per line.
 *
 * Why: Ink builds every frame from scratch (Output.get): each line written is tokenized character
 * by character (Intl.Segmenter, a styled-char object per character), and its cache of tokenized
 * lines lives for one frame. Written per column, a line is a cell, and a cell that repeats down a
 * column (namespace, type, `<none>`, ports, counts, age) is tokenized once per frame; the spaces
 * between columns are not written at all (they are the blank Ink starts every frame with). At 160x50
 * this cut Ink's CPU per frame by more than half (docs/decisions/020). Lines with a style of their
 * own (the selected one inverse, changed ones, faults in colour) or that do not fit are drawn whole
 * over the blank their columns leave, through Line as before: the frame is the same as drawing every
 * line whole (tableBody.test.tsx compares them).
 */
export function TableBody({ lines, widths, color, width }: { lines: readonly TableLine[]; widths: readonly number[]; color: boolean; width: number }) {
  const inColumns = lines.map((l) => drawnInColumns(l, widths.length, color, width));
  const anyInColumns = inColumns.some(Boolean);
  const cellsOf = (c: number) => lines.map((l, i) => (inColumns[i] ? l.cells[c]! : ''));
  const marks = lines.map((l, i) => (inColumns[i] && l.fault ? '!' : ''));
  return (
    <Box flexDirection="column" height={lines.length} flexShrink={0}>
      {anyInColumns ? (
        <Box flexDirection="row" flexShrink={0}>
          {widths.map((w, c) => (
            // The first column follows the one-character selection mark.
            <Column key={c} cells={cellsOf(c)} width={w} marginLeft={c === 0 ? 1 : GAP} />
          ))}
          {marks.some(Boolean) ? <Column cells={marks} width={1} marginLeft={GAP} /> : null}
        </Box>
      ) : null}
      {lines.map((l, i) =>
        inColumns[i] ? null : (
          <Box key={l.key} position="absolute" marginTop={i} width={width}>
            <Line text={l.text} width={width} inverse={l.selected} color={color ? (l.fault ? 'red' : l.changed ? 'yellow' : undefined) : undefined} bold={l.changed} />
          </Box>
        ),
      )}
    </Box>
  );
}
