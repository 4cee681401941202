import type { Row } from './views.js';

// The dashboard's interaction state and the typing into its prompt line: plain data and a function
// of it, changed synchronously by the key handler (App.tsx) so keys faster than a frame each see the
// previous key's effect.

export type Mode = 'normal' | 'command' | 'filter';
export type Detail = { kind: 'tree' | 'yaml' | 'describe' | 'rules' | 'dns'; row: Row } | undefined;

export interface UiState {
  viewId: string;
  mode: Mode;
  input: string;
  filter: string;
  namespace: string | undefined;
  faultsOnly: boolean;
  sortColumn: number;
  sortDescending: boolean;
  cursor: number;
  top: number;
  detail: Detail;
  detailTop: number;
  showHelp: boolean;
  message: string;
  selectedService: string | undefined;
}

export const INITIAL_UI: UiState = {
  viewId: 'svc', mode: 'normal', input: '', filter: '', namespace: undefined, faultsOnly: false, sortColumn: -1,
  sortDescending: false, cursor: 0, top: 0, detail: undefined, detailTop: 0, showHelp: false, message: '', selectedService: undefined,
};

/** The keys the prompt reads besides characters (Ink's useInput key flags). */
export interface PromptKey {
  escape?: boolean;
  return?: boolean;
  backspace?: boolean;
  delete?: boolean;
  ctrl?: boolean;
  meta?: boolean;
}

/** Typing into the `:` or `/` prompt; a pasted chunk may carry the Enter that ends it. */
export function typePrompt(u: UiState, ch: string, key: PromptKey, runCommand: (u: UiState, text: string) => void): void {
  const submit = () => {
    const mode = u.mode;
    u.mode = 'normal';
    if (mode === 'command') runCommand(u, u.input);
    else u.filter = u.input;
  };
  if (key.escape) {
    if (u.mode === 'filter') u.filter = '';
    u.mode = 'normal';
    return;
  }
  if (key.return) return submit();
  if (key.backspace || key.delete) {
    u.input = u.input.slice(0, -1);
    if (u.mode === 'filter') u.filter = u.input;
    return;
  }
  if (key.ctrl || key.meta) return;
  for (const c of ch) {
    if (u.mode === 'normal') break;
    if (c === '\r' || c === '\n') submit();
    else if (c >= ' ') {
      u.input += c;
      if (u.mode === 'filter') {
        u.filter = u.input;
        u.cursor = 0;
      }
    }
  }
}
