/** @jsxRuntime automatic */
/** @jsxImportSource react */
import { Box, Text } from 'ink';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { Line, truncateEnd, type LineStyle } from './line.js';

const mounted: Array<{ unmount(): void }> = [];
afterEach(() => {
  while (mounted.length) mounted.pop()!.unmount();
});

/** The frame Ink draws for `node` in a column `width` wide. */
function frameOf(node: React.ReactNode, width: number): string {
  const app = render(
    <Box flexDirection="column" width={width}>
      {node}
      <Text>end</Text>
    </Box>,
  );
  mounted.push(app);
  return app.lastFrame() ?? '';
}

describe('Line', () => {
  const width = 20;
  const texts = ['', 'short', 'exactly twenty chars', 'a line longer than the screen is', 'svcnet · demo · lag 0ms', '└─ 10.244.1.5:8080 → node-1', '├─ a name longer than twenty…', '名前 wide characters', 'tab\there', 'soft\u00adhyphen'];
  const styles: LineStyle[] = [{}, { bold: true }, { inverse: true }, { dimColor: true }, { color: 'red', bold: true }, { color: 'cyan' }];

  it('draws what <Text wrap="truncate-end"> draws, for short, exact, long, empty, non-ASCII and wide lines in every style', () => {
    for (const text of texts)
      for (const style of styles) {
        const expected = frameOf(<Text {...style} wrap="truncate-end">{text || ' '}</Text>, width);
        expect(frameOf(<Line text={text} width={width} {...style} />, width), `${JSON.stringify(text)} ${JSON.stringify(style)}`).toBe(expected);
      }
  });

  it('keeps a replacement pattern in the text as text ($& and $1 are not special)', () => {
    expect(frameOf(<Line text="cost $& and $1 $$" width={width} />, width)).toBe('cost $& and $1 $$\nend');
  });

  it('truncates at the end with an ellipsis in the last column', () => {
    expect(truncateEnd('abcdef', 4)).toBe('abc…');
    expect(truncateEnd('abcd', 4)).toBe('abcd');
    expect(truncateEnd('abcd', 1)).toBe('…');
    expect(truncateEnd('abcd', 0)).toBe('');
  });
});
