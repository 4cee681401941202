/**
 * iptables-save / iptables-restore text as data (upstream pkg/util/iptables/testing/parse.go):
 * parsing, the order-insensitive sort upstream's tests compare with, and a model of what
 * `iptables-restore --noflush` does to a table, for tests and for reading the kernel's state.
 */
export interface DumpChain {
  name: string;
  rules: string[];
  deleted: boolean;
}
export interface DumpTable {
  name: string;
  chains: DumpChain[];
}
export interface IPTablesDump {
  tables: DumpTable[];
}

export class IPTablesParseError extends Error {
  readonly code = 'IPTablesParse';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`iptables: line ${line}: ${message}`);
  }
}

export function parseIPTablesDump(text: string): IPTablesDump {
  const tables: DumpTable[] = [];
  let table: DumpTable | undefined;
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const getChain = (name: string): DumpChain => {
      if (!table) throw new IPTablesParseError('rule outside a table', i + 1);
      let c = table.chains.find((x) => x.name === name);
      if (!c) table.chains.push((c = { name, rules: [], deleted: false }));
      return c;
    };
    if (line.startsWith('*')) {
      table = { name: line.slice(1), chains: [] };
      tables.push(table);
    } else if (line === 'COMMIT') {
      if (!table) throw new IPTablesParseError('COMMIT outside a table', i + 1);
      table = undefined;
    } else if (line.startsWith(':')) {
      getChain(line.slice(1).split(' ')[0] as string);
    } else if (line.startsWith('-A ')) {
      getChain(line.split(' ')[1] as string).rules.push(line);
    } else if (line.startsWith('-X ')) {
      getChain(line.split(' ')[1] as string).deleted = true;
    } else {
      throw new IPTablesParseError(`unexpected line "${line}"`, i + 1);
    }
  });
  if (table) throw new IPTablesParseError(`table ${table.name} has no COMMIT`, lines.length);
  return { tables };
}

export function dumpToString(dump: IPTablesDump): string {
  let out = '';
  for (const t of dump.tables) {
    out += `*${t.name}\n`;
    for (const c of t.chains) out += `:${c.name} - [0:0]\n`;
    for (const c of t.chains) {
      for (const r of c.rules) out += r + '\n';
      if (c.deleted) out += `-X ${c.name}\n`;
    }
    out += 'COMMIT\n';
  }
  return out;
}

/** The value of a rule's `--comment`, unquoted. */
export function ruleComment(rule: string): string | undefined {
  const m = /--comment ("([^"]*)"|(\S+))/.exec(rule);
  return m ? (m[2] ?? m[3]) : undefined;
}

function serviceNameOf(rule: string): string | undefined {
  const c = ruleComment(rule);
  if (c === undefined) return undefined;
  const i = c.search(/[ :]/);
  return i === -1 ? c : c.slice(0, i);
}

function byCommentServiceName(a: string, b: string): number {
  const x = serviceNameOf(a);
  const y = serviceNameOf(b);
  if (x === undefined || y === undefined) return 0;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Upstream sortIPTablesRules: tables by name; chains KUBE-NODEPORTS, KUBE-SERVICES, other KUBE-*
 * alphabetically, then the rest; KUBE-NODEPORTS and KUBE-SERVICES rules stably by service name
 * (the "must be the last rule" rule stays last). Rules within other chains keep their order.
 */
export function sortIPTablesRules(text: string): string {
  const dump = parseIPTablesDump(text);
  dump.tables.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rank = (n: string) => (n === 'KUBE-NODEPORTS' ? 0 : n === 'KUBE-SERVICES' ? 1 : n.startsWith('KUBE-') ? 2 : 3);
  for (const t of dump.tables) {
    t.chains.sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const c of t.chains) {
      if (c.name === 'KUBE-NODEPORTS' || (c.name === 'KUBE-SERVICES' && t.name === 'filter')) {
        c.rules = stableSort(c.rules, byCommentServiceName);
      } else if (c.name === 'KUBE-SERVICES') {
        const last = (r: string) => ruleComment(r)?.includes('must be the last rule') ?? false;
        c.rules = stableSort(c.rules, (a, b) => (last(a) ? (last(b) ? 0 : 1) : last(b) ? -1 : byCommentServiceName(a, b)));
      }
    }
  }
  return dumpToString(dump);
}

function stableSort<T>(xs: T[], cmp: (a: T, b: T) => number): T[] {
  return xs
    .map((x, i) => [x, i] as const)
    .sort((a, b) => cmp(a[0], b[0]) || a[1] - b[1])
    .map((p) => p[0]);
}

/** Kernel-side state of some tables: table -> chain -> rules. */
export type IPTablesState = Map<string, Map<string, string[]>>;

/**
 * What `iptables-restore --noflush` does with `text`: a chain line creates or flushes the chain,
 * `-A` appends, `-X` deletes; chains not named are left alone.
 */
export function applyRestore(state: IPTablesState, text: string): void {
  for (const t of parseIPTablesDump(text).tables) {
    let table = state.get(t.name);
    if (!table) state.set(t.name, (table = new Map()));
    for (const c of t.chains) table.set(c.name, []);
    for (const c of t.chains) {
      (table.get(c.name) as string[]).push(...c.rules);
      if (c.deleted) table.delete(c.name);
    }
  }
}

/** The state as a sorted dump (for comparing two states). */
export function stateToString(state: IPTablesState): string {
  const dump: IPTablesDump = { tables: [] };
  for (const [name, chains] of state) {
    dump.tables.push({ name, chains: [...chains].map(([n, rules]) => ({ name: n, rules: [...rules], deleted: false })) });
  }
  return sortIPTablesRules(dumpToString(dump));
}
