/** @jsxRuntime automatic */
/** @jsxImportSource react */
import { Box, Text } from 'ink';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { Line } from './line.js';
import type { TableLine } from './panes.js';
import { TableBody } from './tableBody.js';
import { fit } from './tableState.js';

const mounted: Array<{ unmount(): void }> = [];
afterEach(() => {
  while (mounted.length) mounted.pop()!.unmount();
});

/** The frame Ink draws for `node` between a line above and a line below, `width` columns wide. */
function frameOf(node: React.ReactNode, width: number): string {
  const app = render(
    <Box flexDirection="column" width={width}>
      <Text>above</Text>
      {node}
      <Text>below</Text>
    </Box>,
  );
  mounted.push(app);
  return app.lastFrame() ?? '';
}

/** A table line as panes.tsx tableLines builds it. */
function tableLine(key: string, cells: string[], widths: number[], marks: Partial<Pick<TableLine, 'selected' | 'fault' | 'changed'>> = {}): TableLine {
  const drawn = cells.map((c, i) => fit(c, widths[i] ?? 8));
  const fault = marks.fault ?? false;
  return { key, cells: drawn, text: `${marks.selected ? '>' : ' '}${drawn.join('  ')}${fault ? '  !' : ''}`, selected: marks.selected ?? false, fault, changed: marks.changed ?? false };
}

/** What TablePane drew before TableBody: every line whole. */
function WholeLines({ lines, color, width }: { lines: readonly TableLine[]; color: boolean; width: number }) {
  return (
    <>
      {lines.map((l) => (
        <Line key={l.key} text={l.text} width={width} inverse={l.selected} color={color ? (l.fault ? 'red' : l.changed ? 'yellow' : undefined) : undefined} bold={l.changed} />
      ))}
    </>
  );
}

describe('TableBody', () => {
  const widths = [6, 8, 5];
  const rows: Array<[string[], Partial<TableLine>]> = [
    [['ns-0', 'web', '1/2'], {}],
    [['ns-0', 'db', '0/0'], { fault: true }],
    [['ns-0', 'cache', '1/2'], { selected: true }],
    [['ns-1', 'web', '1/2'], { changed: true }],
    [['ns-1', 'a-name-too-long-for-its-column', '3/3'], {}],
    [['ns-1', '名前', '1/1'], {}],
    [['ns-1', 'extra', '1/1', 'cell'], {}],
    [['ns-1', 'broken', '0/1'], { fault: true, changed: true }],
    [['ns-2', 'web', '1/2'], {}],
  ];
  const lines = rows.map(([cells, marks], i) => tableLine(`row-${i}`, cells, widths, marks));

  it('draws the frame every line drawn whole draws: plain, selected, faulty, changed, truncated, wide and ragged lines, colours on and off', () => {
    for (const width of [40, 30, 27, 12])
      for (const color of [false, true]) {
        const expected = frameOf(<WholeLines lines={lines} color={color} width={width} />, width);
        expect(frameOf(<TableBody lines={lines} widths={widths} color={color} width={width} />, width), `width ${width} colour ${color}`).toBe(expected);
      }
  });

  it('draws a fault mark that would pass the screen edge the way a whole line truncates it', () => {
    const tight = [tableLine('a', ['ns-0', 'web', '0/1'], widths, { fault: true }), tableLine('b', ['ns-0', 'db', '1/1'], widths)];
    // 1 + 6 + 2 + 8 + 2 + 5 = 24 columns of cells, then "  !": 27 fit, 26 cut the mark to "…".
    for (const width of [27, 26, 25]) expect(frameOf(<TableBody lines={tight} widths={widths} color={false} width={width} />, width)).toBe(frameOf(<WholeLines lines={tight} color={false} width={width} />, width));
    expect(frameOf(<TableBody lines={tight} widths={widths} color={false} width={26} />, 26)).toContain('0/1   …');
  });

  it('keeps its height with no line drawn in columns, and with no lines at all', () => {
    const styled = lines.filter((l) => l.selected || l.changed);
    expect(frameOf(<TableBody lines={styled} widths={widths} color={true} width={40} />, 40)).toBe(frameOf(<WholeLines lines={styled} color={true} width={40} />, 40));
    expect(frameOf(<TableBody lines={[]} widths={widths} color={false} width={40} />, 40)).toBe('above\nbelow');
  });

  it('shows a cell in the lines it belongs to after the rows move (a column block is redrawn, not kept)', () => {
    const before = [tableLine('a', ['ns-0', 'web', '1/2'], widths), tableLine('b', ['ns-0', 'db', '1/1'], widths)];
    const after = [tableLine('b', ['ns-0', 'db', '1/1'], widths), tableLine('c', ['ns-9', 'queue', '2/2'], widths)];
    const app = render(
      <Box flexDirection="column" width={40}>
        <TableBody lines={before} widths={widths} color={false} width={40} />
      </Box>,
    );
    mounted.push(app);
    app.rerender(
      <Box flexDirection="column" width={40}>
        <TableBody lines={after} widths={widths} color={false} width={40} />
      </Box>,
    );
    expect(app.lastFrame()).toBe(' ns-0    db        1/1\n ns-9    queue     2/2');
  });
});
