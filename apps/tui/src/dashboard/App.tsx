/** @jsxRuntime automatic */
/** @jsxImportSource react */
import { Box, Text, useApp, useInput } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Service } from '@svcnet/model';
import type { ClusterModel, Snapshot } from './clusterModel.js';
import { describeServiceIn, serviceTree, yamlLines, type DetailRenderers } from './detailText.js';
import { buildKeyMap, hints, keyName, type Action, type Binding } from './keymap.js';
import { DetailPane, HelpPane, TablePane } from './panes.js';
import { queryRows, scrollOffset } from './tableState.js';
import { cellsAt, TABLE_VIEWS, type Row, type TableView } from './views.js';

export interface AppProps {
  model: ClusterModel;
  bindings: readonly Binding[];
  renderers?: DetailRenderers;
  /** Screen size; Ink's test renderer has no real terminal, so tests pass it. */
  width: number;
  height: number;
  refreshMs?: number;
  color?: boolean;
  initialView?: string;
}

type Mode = 'normal' | 'command' | 'filter';
type Detail = { kind: 'tree' | 'yaml' | 'describe' | 'rules' | 'dns'; row: Row } | undefined;

interface UiState {
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

const INITIAL_UI: UiState = {
  viewId: 'svc', mode: 'normal', input: '', filter: '', namespace: undefined, faultsOnly: false, sortColumn: -1,
  sortDescending: false, cursor: 0, top: 0, detail: undefined, detailTop: 0, showHelp: false, message: '', selectedService: undefined,
};

const serviceIndexes = new WeakMap<readonly Service[], ReadonlyMap<string, Service>>();

/**
 * Services by "namespace/name", built once per snapshot's services array (a new array whenever a
 * Service changes): a detail pane redrawn on every key no longer scans 10,000 Services for its one.
 */
function servicesByKey(services: readonly Service[]): ReadonlyMap<string, Service> {
  let index = serviceIndexes.get(services);
  if (!index) {
    const m = new Map<string, Service>();
    // The first of equal keys wins, as the Array.find this replaces.
    for (const svc of services) {
      const key = `${svc.metadata?.namespace ?? 'default'}/${svc.metadata?.name}`;
      if (!m.has(key)) m.set(key, svc);
    }
    serviceIndexes.set(services, (index = m));
  }
  return index;
}

/** The dashboard: a header, one table view (or a detail pane), a prompt line and key hints. */
export function App({ model, bindings, renderers = {}, width, height, refreshMs = 250, color = true, initialView = 'svc' }: AppProps) {
  const { exit } = useApp();
  const [snap, setSnap] = useState<Snapshot>(() => model.snapshot());
  // Interaction state lives in a ref and is changed synchronously by the key handler, so keys that
  // arrive faster than React re-renders (a pasted ":ep", "jj<enter>") each see the previous key's effect.
  const ui = useRef<UiState>({ ...INITIAL_UI, viewId: initialView });
  const [, setFrame] = useState(0);
  const redraw = () => setFrame((f) => f + 1);
  const keyMap = useMemo(() => buildKeyMap(bindings), [bindings]);

  useEffect(() => {
    const t = setInterval(() => setSnap(model.snapshot()), refreshMs);
    const ageTick = setInterval(() => model.touch(), 1000);
    return () => {
      clearInterval(t);
      clearInterval(ageTick);
    };
  }, [model, refreshMs]);

  const tableHeight = Math.max(1, height - 5);
  // Rows depend on the snapshot and the query only: moving the cursor reuses them.
  const rowsCache = useRef<{ key: string; rows: readonly Row[]; faults: number } | undefined>(undefined);
  const derive = (u: UiState) => {
    const view: TableView = TABLE_VIEWS.find((v) => v.id === u.viewId) ?? TABLE_VIEWS[0]!;
    const scoped = u.viewId === 'ep' || u.viewId === 'eps' ? u.selectedService : undefined;
    const cacheKey = JSON.stringify([snapRef.current.version, view.id, u.namespace, scoped, u.filter, u.faultsOnly, u.sortColumn, u.sortDescending]);
    let hit = rowsCache.current?.key === cacheKey ? rowsCache.current : undefined;
    if (!hit) {
      const s = snapRef.current;
      const rows = queryRows(view.rows(s, { namespace: u.namespace, serviceKey: scoped }), u, (r) => cellsAt(view, r, s.at));
      let faults = 0;
      for (const r of rows) if (r.fault) faults++;
      rowsCache.current = hit = { key: cacheKey, rows, faults };
    }
    const { rows, faults } = hit;
    const cursor = Math.min(u.cursor, Math.max(0, rows.length - 1));
    return { view, rows, faults, cursor, current: rows[cursor] };
  };
  const snapRef = useRef(snap);
  snapRef.current = snap;

  const serviceOf = (row: Row | undefined): Service | undefined => (row?.serviceKey ? servicesByKey(snapRef.current.services).get(row.serviceKey) : undefined);

  const detailLines = (detail: Detail): string[] => {
    if (!detail) return [];
    const s = snapRef.current;
    const svc = serviceOf(detail.row);
    switch (detail.kind) {
      case 'yaml':
        return detail.row.object ? yamlLines(detail.row.object) : ['(nothing to show)'];
      case 'describe':
        return svc ? describeServiceIn(s, svc) : detail.row.object ? yamlLines(detail.row.object) : [];
      case 'tree':
        return svc ? serviceTree(s, svc, renderers) : ['(select a service)'];
      case 'rules':
        return svc && renderers.rules ? renderers.rules(s, svc) : ['(no proxy renderer available)'];
      case 'dns':
        return svc && renderers.dns ? renderers.dns(s, svc) : ['(no DNS renderer available)'];
    }
  };

  const runCommand = (u: UiState, text: string) => {
    const [cmd = '', arg] = text.trim().split(/\s+/);
    u.detail = undefined;
    u.message = '';
    if (cmd === 'q' || cmd === 'quit') return exit();
    if (cmd === 'ns') {
      u.namespace = arg && arg !== 'all' ? arg : undefined;
      u.message = u.namespace ? `namespace ${u.namespace}` : 'all namespaces';
      return;
    }
    if (cmd === 'rules' || cmd === 'dns') {
      const { current } = derive(u);
      const row = current?.serviceKey ? current : undefined;
      if (row) u.detail = { kind: cmd, row };
      else u.message = `select a service first, then :${cmd}`;
      return;
    }
    const next = TABLE_VIEWS.find((v) => v.id === cmd || v.title.toLowerCase() === cmd.toLowerCase() || (cmd === 'services' && v.id === 'svc'));
    if (!next) {
      u.message = `unknown command ":${cmd}": try :svc :ep :eps :ing :rules :dns :nodes :events :ns NAME :q`;
      return;
    }
    if (next.id === 'svc') u.selectedService = undefined;
    else if (u.viewId === 'svc' && (next.id === 'ep' || next.id === 'eps')) u.selectedService = undefined;
    Object.assign(u, { viewId: next.id, cursor: 0, top: 0, sortColumn: -1 });
  };

  const act = (u: UiState, action: Action) => {
    const { rows, cursor, current, view } = derive(u);
    const page = u.detail ? Math.max(1, height - 4) : tableHeight;
    const move = (delta: number) => {
      if (u.detail) u.detailTop = Math.max(0, Math.min(u.detailTop + delta, detailLines(u.detail).length - 1));
      else u.cursor = Math.max(0, Math.min(cursor + delta, rows.length - 1));
    };
    switch (action) {
      case 'quit': return exit();
      case 'help': u.showHelp = !u.showHelp; return;
      case 'command': u.mode = 'command'; u.input = ''; return;
      case 'filter': u.mode = 'filter'; u.input = u.filter; return;
      case 'back':
        if (u.showHelp) u.showHelp = false;
        else if (u.detail) u.detail = undefined;
        else if (u.filter) u.filter = '';
        else if (u.viewId !== 'svc') Object.assign(u, { viewId: 'svc', cursor: 0, selectedService: undefined });
        return;
      case 'up': return move(-1);
      case 'down': return move(1);
      case 'pageUp': return move(-page);
      case 'pageDown': return move(page);
      case 'top': if (u.detail) u.detailTop = 0; else u.cursor = 0; return;
      case 'bottom': if (u.detail) u.detailTop = Math.max(0, detailLines(u.detail).length - page); else u.cursor = rows.length - 1; return;
      case 'open':
        if (!current) return;
        if (current.serviceKey) u.selectedService = current.serviceKey;
        u.detailTop = 0;
        u.detail = { kind: current.serviceKey ? 'tree' : 'yaml', row: current };
        return;
      case 'yaml':
      case 'describe':
      case 'rules':
      case 'dns':
        if (!current) return;
        u.detailTop = 0;
        u.detail = { kind: action, row: current };
        return;
      case 'allNamespaces': {
        const ns = current?.object?.metadata?.namespace;
        u.namespace = u.namespace !== undefined || !ns ? undefined : ns;
        u.message = u.namespace ? `namespace ${u.namespace}` : 'all namespaces';
        return;
      }
      case 'faultsOnly': u.faultsOnly = !u.faultsOnly; return;
      case 'sort': u.sortColumn = u.sortColumn + 1 >= view.columns.length ? -1 : u.sortColumn + 1; return;
      case 'reverseSort': u.sortDescending = !u.sortDescending; return;
    }
  };

  /** Typing into the `:` or `/` prompt; a pasted chunk may carry the Enter that ends it. */
  const typePrompt = (u: UiState, ch: string, key: { escape?: boolean; return?: boolean; backspace?: boolean; delete?: boolean; ctrl?: boolean; meta?: boolean }) => {
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
  };

  useInput((ch, key) => {
    const u = ui.current;
    if (u.mode !== 'normal') {
      typePrompt(u, ch, key);
      return redraw();
    }
    // A chunk of several characters (typed fast or pasted, e.g. ":rules\r") is taken one by one.
    const chunks = ch.length > 1 && !key.ctrl && !key.meta ? [...ch] : [ch];
    for (const c of chunks) {
      if (u.mode !== 'normal') {
        typePrompt(u, c, {});
        continue;
      }
      const action = keyMap.get(c === '\r' ? 'enter' : keyName(c, chunks.length > 1 ? {} : key));
      if (action) act(u, action);
    }
    redraw();
  });

  const u = ui.current;
  const { view, rows, faults, cursor: clampedCursor } = derive(u);
  const offset = scrollOffset(u.top, clampedCursor, tableHeight, rows.length);
  u.top = offset;
  const { mode, input, filter, namespace, faultsOnly, sortColumn, sortDescending, detail, detailTop, showHelp, message } = u;
  const troubles = [
    snap.problems.length ? `${snap.problems.length} manifest problem${snap.problems.length === 1 ? '' : 's'} (:events)` : '',
    snap.failingSyncs ? `${snap.failingSyncs} error${snap.failingSyncs === 1 ? '' : 's'} in the last minute` : '',
  ].filter(Boolean);
  const header = `svcnet · ${snap.source} · ${snap.connection}${snap.synced ? '' : ' (syncing)'} · lag ${snap.watchLagMs < 1000 ? `${snap.watchLagMs}ms` : `${(snap.watchLagMs / 1000).toFixed(1)}s`}${troubles.length ? ` · ${troubles.join(' · ')}` : ''} · ${namespace ? `ns ${namespace}` : 'all namespaces'}${faultsOnly ? ' · faults only' : ''}`;
  const title = detail ? `${detail.kind} ${detail.row.serviceKey ?? detail.row.key}` : `${view.title} (${rows.length})${faults ? ` · ${faults} need attention` : ''}${filter ? ` · filter "${filter}"` : ''}${sortColumn >= 0 ? ` · sort ${view.columns[sortColumn]}${sortDescending ? ' desc' : ''}` : ''}`;
  const footer = mode === 'command' ? `:${input}` : mode === 'filter' ? `/${input}` : message || hints(bindings, ['command', 'filter', 'open', 'yaml', 'describe', 'faultsOnly', 'help', 'quit']);

  const body = showHelp ? (
    <HelpPane bindings={bindings} width={width} height={height} />
  ) : detail ? (
    <DetailPane lines={detailLines(detail).slice(detailTop, detailTop + height - 4)} />
  ) : (
    <TablePane view={view} rows={rows} offset={offset} cursor={clampedCursor} tableHeight={tableHeight} width={width} snap={snap} color={color} />
  );

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text color={color ? 'cyan' : undefined} wrap="truncate-end">{header}</Text>
      <Text bold wrap="truncate-end">{title}</Text>
      <Box flexGrow={1} flexDirection="column">{body}</Box>
      <Text dimColor wrap="truncate-end">{footer}</Text>
    </Box>
  );
}
