import { readFileSync } from 'node:fs';

/** Everything a key can do in the dashboard. */
export type Action =
  | 'quit' | 'help' | 'command' | 'filter' | 'back' | 'up' | 'down' | 'pageUp' | 'pageDown' | 'top' | 'bottom'
  | 'open' | 'yaml' | 'describe' | 'rules' | 'dns' | 'allNamespaces' | 'faultsOnly' | 'sort' | 'reverseSort';

export interface Binding {
  action: Action;
  /** Key names: a printable character, or one of up/down/pageup/pagedown/enter/escape/ctrl+c. */
  keys: string[];
  help: string;
}

/**
 * The one declaration of the dashboard's keys: the input handler, the footer hints and the `?` help
 * screen are all generated from it, and a config file may override the keys of any action.
 */
export const DEFAULT_BINDINGS: readonly Binding[] = [
  { action: 'command', keys: [':'], help: 'command (:svc :ep :eps :ing :rules :dns :nodes :events :ns NAME :q)' },
  { action: 'filter', keys: ['/'], help: 'filter rows by text' },
  { action: 'back', keys: ['escape'], help: 'back / clear filter' },
  { action: 'open', keys: ['enter'], help: 'open the selected service as a tree' },
  { action: 'yaml', keys: ['y'], help: 'show the object as YAML' },
  { action: 'describe', keys: ['d'], help: 'describe the object like kubectl describe' },
  { action: 'rules', keys: ['r'], help: 'proxy rules of the selected service' },
  { action: 'dns', keys: ['n'], help: 'DNS records of the selected service' },
  { action: 'up', keys: ['up', 'k'], help: 'move up' },
  { action: 'down', keys: ['down', 'j'], help: 'move down' },
  { action: 'pageUp', keys: ['pageup', 'ctrl+b'], help: 'page up' },
  { action: 'pageDown', keys: ['pagedown', 'ctrl+f'], help: 'page down' },
  { action: 'top', keys: ['g'], help: 'first row' },
  { action: 'bottom', keys: ['G'], help: 'last row' },
  { action: 'allNamespaces', keys: ['0'], help: 'toggle all namespaces / the selected row\'s namespace' },
  { action: 'faultsOnly', keys: ['f'], help: 'toggle faults only' },
  { action: 'sort', keys: ['s'], help: 'sort by the next column' },
  { action: 'reverseSort', keys: ['S'], help: 'reverse the sort order' },
  { action: 'help', keys: ['?'], help: 'this help' },
  { action: 'quit', keys: ['q', 'ctrl+c'], help: 'quit' },
];

export type KeyMap = ReadonlyMap<string, Action>;

export function buildKeyMap(bindings: readonly Binding[]): KeyMap {
  const m = new Map<string, Action>();
  for (const b of bindings) for (const k of b.keys) m.set(k, b.action);
  return m;
}

/**
 * Bindings with overrides from a JSON file `{ "quit": ["x"], ... }`. A file that cannot be read or
 * names an unknown action is reported through `warn` and the defaults are kept.
 */
export function loadBindings(path: string | undefined, warn: (msg: string) => void): Binding[] {
  const bindings = DEFAULT_BINDINGS.map((b) => ({ ...b, keys: [...b.keys] }));
  if (!path) return bindings;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    warn(`key map ${path}: ${(e as Error).message}; using the default keys`);
    return bindings;
  }
  if (typeof raw !== 'object' || raw === null) {
    warn(`key map ${path}: expected an object like {"quit": ["x"]}; using the default keys`);
    return bindings;
  }
  for (const [action, keys] of Object.entries(raw as Record<string, unknown>)) {
    const b = bindings.find((x) => x.action === action);
    if (!b || !Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) {
      warn(`key map ${path}: "${action}" is not an action with a list of keys; ignored`);
      continue;
    }
    b.keys = keys as string[];
  }
  return bindings;
}

/** The key name Ink's useInput reports, in the names the key map uses. */
export function keyName(input: string, key: { upArrow?: boolean; downArrow?: boolean; pageUp?: boolean; pageDown?: boolean; return?: boolean; escape?: boolean; ctrl?: boolean }): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.return) return 'enter';
  if (key.escape) return 'escape';
  if (key.ctrl) return `ctrl+${input}`;
  return input;
}

/** `q quit  / filter ...` from the bindings, for the footer. */
export function hints(bindings: readonly Binding[], actions: readonly Action[]): string {
  return actions
    .map((a) => bindings.find((b) => b.action === a))
    .filter((b): b is Binding => b !== undefined)
    .map((b) => `${b.keys[0] === 'escape' ? 'esc' : b.keys[0]} ${b.action}`)
    .join('  ');
}
