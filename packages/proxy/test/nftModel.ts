/**
 * A model of one nftables table that applies the `nft -f` commands the renderer emits and dumps
 * the result in `nft`'s "add ..." form (like knftables' fake), so transactions can be compared.
 */
export class NFTModel {
  private table: string | undefined;
  private readonly objects = new Map<string, string>();
  private readonly chains = new Map<string, { head: string; rules: string[] }>();
  private readonly elements = new Map<string, Map<string, string>>();

  apply(text: string): void {
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const [verb, kind, fam, tname, name = ''] = line.split(' ');
      const t = `${fam} ${tname}`;
      if (kind === 'table') {
        if (verb === 'add') this.table ??= line;
        else if (verb === 'delete') {
          if (!this.table) throw new Error(`no table: ${line}`);
          this.table = undefined;
          this.objects.clear();
          this.chains.clear();
          this.elements.clear();
        }
        continue;
      }
      if (!this.table || !this.table.startsWith(`add table ${t}`)) throw new Error(`table missing for: ${line}`);
      if (kind === 'set' || kind === 'map') {
        if (verb === 'add') {
          if (!this.objects.has(name)) this.objects.set(name, line);
        } else if (verb === 'delete') {
          if (!this.objects.delete(name)) throw new Error(`no such set: ${line}`);
          this.elements.delete(name);
        }
      } else if (kind === 'chain') {
        if (verb === 'add') {
          if (!this.chains.has(name)) this.chains.set(name, { head: line, rules: [] });
        } else if (verb === 'flush') {
          const c = this.chains.get(name);
          if (!c) throw new Error(`no such chain: ${line}`);
          c.rules = [];
        } else if (verb === 'delete') {
          if (!this.chains.delete(name)) throw new Error(`no such chain: ${line}`);
        }
      } else if (kind === 'rule') {
        const c = this.chains.get(name);
        if (!c) throw new Error(`no such chain: ${line}`);
        c.rules.push(line);
      } else if (kind === 'element') {
        const body = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}')).trim();
        const key = body.split(/ comment | : /)[0]!.trim();
        let m = this.elements.get(name);
        if (!m) this.elements.set(name, (m = new Map()));
        if (verb === 'add') m.set(key, line);
        else if (!m.delete(key)) throw new Error(`no such element: ${line}`);
      } else {
        throw new Error(`unknown command: ${line}`);
      }
    }
  }

  /** Sorted lines, rules kept in chain order (what upstream's comparison cares about). */
  dump(): string[] {
    const out: string[] = [];
    if (this.table) out.push(this.table);
    out.push(...this.objects.values());
    for (const c of this.chains.values()) out.push(c.head, ...c.rules.map((r, i) => `${r} #${i}`));
    for (const m of this.elements.values()) out.push(...m.values());
    return out.sort();
  }
}

/** Upstream-expected text -> the same normalised form as NFTModel.dump(). */
export function normaliseExpected(text: string): string[] {
  const m = new NFTModel();
  m.apply(text);
  return m.dump();
}
