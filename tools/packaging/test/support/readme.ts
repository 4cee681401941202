/** A fenced code block of a README: its language, text and the line its fence opens on. */
export interface CodeBlock {
  lang: string;
  code: string;
  line: number;
}

export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  for (const m of markdown.matchAll(/^```(\w*)[^\n]*\n([\s\S]*?)^```/gm)) {
    blocks.push({ lang: m[1]!, code: m[2]!, line: markdown.slice(0, m.index).split('\n').length });
  }
  return blocks;
}

/**
 * What a README example says it prints: its `// → text` comments in order, one line each (runs of
 * blanks compared as one, since READMEs are read, not diffed).
 */
export function expectedOutput(code: string): string[] {
  return [...code.matchAll(/\/\/ → (.*)$/gm)].map((m) => squash(m[1]!));
}

export function squash(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}

/**
 * The opening every package README has: `# name`, one paragraph, the one-line install, and the
 * smallest example that runs. Undefined members mean the README does not start that way.
 */
export function opening(markdown: string): { title?: string; install?: string; example?: CodeBlock } {
  const head = markdown.split(/^## /m)[0]!;
  const blocks = codeBlocks(head);
  return {
    title: /^# (\S+)\s*$/m.exec(head)?.[1],
    install: blocks[0]?.lang === 'sh' ? blocks[0].code.trim() : undefined,
    example: blocks[1],
  };
}

/**
 * An app README's opening as a terminal transcript (a `console` block): the commands (`$ ` lines)
 * and what they print (other lines, `…` marking rows left out).
 */
export function transcript(markdown: string): { install?: string; commands: string[]; output: string[] } {
  const { install, example } = opening(markdown);
  const lines = example?.lang === 'console' ? example.code.split('\n').filter((l) => l.trim() && l.trim() !== '…') : [];
  return {
    install,
    commands: lines.filter((l) => l.startsWith('$ ')).map((l) => l.slice(2).trim()),
    output: lines.filter((l) => !l.startsWith('$ ')),
  };
}
