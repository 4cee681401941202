/**
 * The 1-based line of each element of the top-level `items` array of a JSON object, in one pass over
 * the text (strings and escapes skipped). Used only when a message about a List item needs its line.
 */
export function jsonItemLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inItems = false;
  let expectValue = false;
  let lastKey = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      continue;
    }
    if (c === 34) {
      // A string: at depth 1 it may be the key "items".
      const begin = i + 1;
      for (i = begin; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
        else if (d === 10) line++;
      }
      if (depth === 1) lastKey = text.slice(begin, i);
      else if (inItems && depth === 2 && expectValue) {
        lines.push(line);
        expectValue = false;
      }
      continue;
    }
    if (c <= 32) continue;
    if (inItems && depth === 2 && expectValue && c !== 44 && c !== 93) {
      lines.push(line);
      expectValue = false;
    }
    if (c === 123 || c === 91) {
      depth++;
      if (depth === 2 && c === 91 && lastKey === 'items') {
        inItems = true;
        expectValue = true;
      }
    } else if (c === 125 || c === 93) {
      if (depth === 2 && inItems && c === 93) inItems = false;
      depth--;
    } else if (c === 44 && inItems && depth === 2) expectValue = true;
  }
  return lines;
}
