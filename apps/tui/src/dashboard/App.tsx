/** @jsxRuntime automatic */
/** @jsxImportSource react */
import { Box, useApp, useInput } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Service } from '@svcnet/model';
import type { ClusterModel, Snapshot } from './clusterModel.js';
import { describeServiceIn, serviceTree, yamlLines, type DetailRenderers } from './detailText.js';
import { servicesByKey } from './servicesByKey.js';
import { buildKeyMap, hints, keyName, type Action, type Binding } from './keymap.js';
import { Line } from './line.js';
import { DetailPane, HelpPane, TablePane, tableLines, type TableLines } from './panes.js';
import { queryRows, scrollOffset } from './tableState.js';
import { cellsAt, TABLE_VIEWS, type Row, type TableView } from './views.js';
import { INITIAL_UI, typePrompt, type Detail, type UiState } from './uiState.js';

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

/** How long no change must have arrived before a lag of 0 earns a frame of its own. */
const QUIET_MS = 1000;

/**
 * A snapshot of data at rest: nothing pending and no change for QUIET_MS. Under churn a snapshot
 * taken in the same millisecond as a change also has a lag of 0; drawing those made the header flip
 * between `lag 0ms` and `lag 1ms`, a frame each (most of the event-driven frames at 100 events/s).
 */
const quiet = (s: Snapshot) => s.watchLagMs === 0 && s.idleMs >= QUIET_MS;

/** The dashboard: a header, one table view (or a detail pane), a prompt line and key hints. */
export function App({ model, bindings, renderers = {}, width, height, refreshMs = 250, color = true, initialView = 'svc' }: AppProps) {
  const { exit } = useApp();
  // The newest snapshot: what a frame draws. Refreshes replace it without a frame when nothing on
  // screen would change (see frameKey).
  const snapRef = useRef<Snapshot | undefined>(undefined);
  snapRef.current ??= model.snapshot();
  /** The frame key of what is on screen now, and the lag figure it shows. */
  const drawn = useRef('');
  const drawnLag = useRef('');
  const composeRef = useRef<(s: Snapshot) => { key: string }>(() => ({ key: '' }));
  // Interaction state lives in a ref and is changed synchronously by the key handler, so keys that
  // arrive faster than React re-renders (a pasted ":ep", "jj<enter>") each see the previous key's effect.
  const ui = useRef<UiState>({ ...INITIAL_UI, viewId: initialView });
  const [, setFrame] = useState(0);
  const redraw = () => setFrame((f) => f + 1);
  const keyMap = useMemo(() => buildKeyMap(bindings), [bindings]);

  useEffect(() => {
    // At 10,000 Services nearly every refresh under churn changes rows that are off screen: drawing
    // it anyway cost a full Ink frame (every character tokenized again) for a new lag figure.
    const t = setInterval(() => {
      const next = model.snapshot();
      if (next === snapRef.current) return;
      snapRef.current = next;
      if (composeRef.current(next).key !== drawn.current || (quiet(next) && drawnLag.current !== '0ms')) redraw();
    }, refreshMs);
    const ageTick = setInterval(() => model.touch(), 1000);
    return () => {
      clearInterval(t);
      clearInterval(ageTick);
    };
  }, [model, refreshMs]);

  const tableHeight = Math.max(1, height - 5);
  // Rows depend on the snapshot and the query only: moving the cursor reuses them.
  const rowsCache = useRef<{ key: string; rows: readonly Row[]; faults: number } | undefined>(undefined);
  const derive = (u: UiState, s: Snapshot = snapRef.current!) => {
    const view: TableView = TABLE_VIEWS.find((v) => v.id === u.viewId) ?? TABLE_VIEWS[0]!;
    const scoped = u.viewId === 'ep' || u.viewId === 'eps' ? u.selectedService : undefined;
    const cacheKey = JSON.stringify([s.version, view.id, u.namespace, scoped, u.filter, u.faultsOnly, u.sortColumn, u.sortDescending]);
    let hit = rowsCache.current?.key === cacheKey ? rowsCache.current : undefined;
    if (!hit) {
      const rows = queryRows(view.rows(s, { namespace: u.namespace, serviceKey: scoped }), u, (r) => cellsAt(view, r, s.at));
      let faults = 0;
      for (const r of rows) if (r.fault) faults++;
      rowsCache.current = hit = { key: cacheKey, rows, faults };
    }
    const { rows, faults } = hit;
    const cursor = Math.min(u.cursor, Math.max(0, rows.length - 1));
    return { view, rows, faults, cursor, current: rows[cursor] };
  };
  const serviceOf = (row: Row | undefined, s: Snapshot): Service | undefined => (row?.serviceKey ? servicesByKey(s.services).get(row.serviceKey) : undefined);

  const detailLines = (detail: Detail, s: Snapshot = snapRef.current!): string[] => {
    if (!detail) return [];
    const svc = serviceOf(detail.row, s);
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

  useInput((ch, key) => {
    const u = ui.current;
    if (u.mode !== 'normal') {
      typePrompt(u, ch, key, runCommand);
      return redraw();
    }
    // A chunk of several characters (typed fast or pasted, e.g. ":rules\r") is taken one by one.
    const chunks = ch.length > 1 && !key.ctrl && !key.meta ? [...ch] : [ch];
    for (const c of chunks) {
      if (u.mode !== 'normal') {
        typePrompt(u, c, {}, runCommand);
        continue;
      }
      const action = keyMap.get(c === '\r' ? 'enter' : keyName(c, chunks.length > 1 ? {} : key));
      if (action) act(u, action);
    }
    redraw();
  });

  /**
   * Everything a frame shows, from a snapshot and the interaction state, and its key: two snapshots
   * with the same key draw the same frame, except for a lag figure under a second (which changes on
   * every refresh under churn, and alone does not earn a frame). A lag of a second and more always
   * does (a screen falling behind says so), and so does a lag of 0 once the data is quiet (see
   * `quiet`: an idle screen says 0).
   */
  function compose(snap: Snapshot) {
    const u = ui.current;
    const { view, rows, faults, cursor } = derive(u, snap);
    const offset = scrollOffset(u.top, cursor, tableHeight, rows.length);
    const { mode, input, filter, namespace, faultsOnly, sortColumn, sortDescending, detail, detailTop, showHelp, message } = u;
    const troubles = [
      snap.problems.length ? `${snap.problems.length} manifest problem${snap.problems.length === 1 ? '' : 's'} (:events)` : '',
      snap.failingSyncs ? `${snap.failingSyncs} error${snap.failingSyncs === 1 ? '' : 's'} in the last minute` : '',
    ].filter(Boolean);
    const lag = snap.watchLagMs < 1000 ? `${snap.watchLagMs}ms` : `${(snap.watchLagMs / 1000).toFixed(1)}s`;
    const header = (lagText: string) => `svcnet · ${snap.source} · ${snap.connection}${snap.synced ? '' : ' (syncing)'} · lag ${lagText}${troubles.length ? ` · ${troubles.join(' · ')}` : ''} · ${namespace ? `ns ${namespace}` : 'all namespaces'}${faultsOnly ? ' · faults only' : ''}`;
    const title = detail ? `${detail.kind} ${detail.row.serviceKey ?? detail.row.key}` : `${view.title} (${rows.length})${faults ? ` · ${faults} need attention` : ''}${filter ? ` · filter "${filter}"` : ''}${sortColumn >= 0 ? ` · sort ${view.columns[sortColumn]}${sortDescending ? ' desc' : ''}` : ''}`;
    const footer = mode === 'command' ? `:${input}` : mode === 'filter' ? `/${input}` : message || hints(bindings, ['command', 'filter', 'open', 'yaml', 'describe', 'faultsOnly', 'help', 'quit']);
    const body: { kind: 'help' } | { kind: 'detail'; lines: string[] } | { kind: 'table'; table: TableLines } = showHelp
      ? { kind: 'help' }
      : detail
        ? { kind: 'detail', lines: detailLines(detail, snap).slice(detailTop, detailTop + height - 4) }
        : { kind: 'table', table: tableLines({ view, rows, offset, cursor, tableHeight, width, snap }) };
    const bodyKey =
      body.kind === 'help'
        ? 'help'
        : body.kind === 'detail'
          ? body.lines.join('\n')
          : [body.table.columns, body.table.empty ?? '', ...body.table.lines.map((l) => `${+l.selected}${+l.fault}${+l.changed}${l.text}`)].join('\n');
    const lagKey = snap.watchLagMs >= 1000 ? lag : '(under a second)';
    return { offset, lag, header: header(lag), title, footer, body, key: [header(lagKey), title, footer, bodyKey].join('\n') };
  }

  // The refresh timer outlives this render: it composes with the latest props (a resize re-renders).
  composeRef.current = compose;
  const snap = snapRef.current;
  const screen = compose(snap);
  ui.current.top = screen.offset;
  drawn.current = screen.key;
  drawnLag.current = screen.lag;
  const { header, title, footer, body: content } = screen;
  const body =
    content.kind === 'help' ? (
      <HelpPane bindings={bindings} width={width} height={height} />
    ) : content.kind === 'detail' ? (
      <DetailPane lines={content.lines} width={width} />
    ) : (
      <TablePane table={content.table} color={color} width={width} />
    );

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Line text={header} width={width} color={color ? 'cyan' : undefined} />
      <Line text={title} width={width} bold />
      <Box flexGrow={1} flexDirection="column">{body}</Box>
      <Line text={footer} width={width} dimColor />
    </Box>
  );
}
