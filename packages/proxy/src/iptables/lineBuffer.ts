/** Collects iptables-restore lines (upstream proxyutil.LineBuffer); `discard` counts but drops. */
export class LineBuffer {
  readonly lines: string[] = [];
  count = 0;
  constructor(private readonly discard = false) {}

  write(...parts: (string | readonly string[])[]): void {
    this.count++;
    if (this.discard) return;
    let s = '';
    for (const p of parts) {
      if (typeof p === 'string') s += s ? ' ' + p : p;
      else for (const q of p) s += s ? ' ' + q : q;
    }
    this.lines.push(s);
  }

  writeLine(line: string): void {
    this.count++;
    if (!this.discard) this.lines.push(line);
  }
}

/** `:CHAIN - [0:0]`, the restore line that creates (or flushes) a chain. */
export const makeChainLine = (chain: string): string => `:${chain} - [0:0]`;
