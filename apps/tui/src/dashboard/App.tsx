import { Box, Text, useApp, useInput } from 'ink';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Service } from '@svcnet/model';
import type { ClusterModel, Snapshot } from './clusterModel.js';
import { describeServiceIn, serviceTree, yamlLines, type DetailRenderers } from './detailText.js';
import { buildKeyMap, hints, keyName, type Action, type Binding } from './keymap.js';
import { columnWidths, fit, queryRows, scrollOffset } from './tableState.js';
import { TABLE_VIEWS, type Row, type TableView } from './views.js';

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

const HIGHLIGHT_MS = 2000;

/** The dashboard: a header, one table view (or a detail pane), a prompt line and key hints. */
export function App({ model, bindings, renderers = {}, width, height, refreshMs = 250, color = true, initialView = 'svc' }: AppProps) {
  const { exit } = useApp();
  const [snap, setSnap] = useState<Snapshot>(() => model.snapshot());
  const [viewId, setViewId] = useState(initialView);
  const [mode, setMode] = useState<Mode>('normal');
  const [input, setInput] = useState('');
  const [filter, setFilter] = useState('');
  const [namespace, setNamespace] = useState<string | undefined>(undefined);
  const [faultsOnly, setFaultsOnly] = useState(false);
  const [sortColumn, setSortColumn] = useState(-1);
  const [sortDescending, setSortDescending] = useState(false);
  const [cursor, setCursor] = useState(0);
  const [top, setTop] = useState(0);
  const [detail, setDetail] = useState<Detail>(undefined);
  const [detailTop, setDetailTop] = useState(0);
  const [showHelp, setShowHelp] = useState(false);
  const [message, setMessage] = useState('');
  const [selectedService, setSelectedService] = useState<string | undefined>(undefined);
  const keyMap = useMemo(() => buildKeyMap(bindings), [bindings]);

  useEffect(() => {
    const t = setInterval(() => setSnap(model.snapshot()), refreshMs);
    const ageTick = setInterval(() => model.touch(), 1000);
    return () => {
      clearInterval(t);
      clearInterval(ageTick);
    };
  }, [model, refreshMs]);

  const view: TableView = TABLE_VIEWS.find((v) => v.id === viewId) ?? TABLE_VIEWS[0]!;
  const scoped = viewId === 'ep' || viewId === 'eps' ? selectedService : undefined;
  const rows = useMemo(
    () => queryRows(view.rows(snap, { namespace, serviceKey: scoped }), { filter, faultsOnly, sortColumn, sortDescending }),
    [view, snap, namespace, scoped, filter, faultsOnly, sortColumn, sortDescending],
  );
  const tableHeight = Math.max(1, height - 5);
  const clampedCursor = Math.min(cursor, Math.max(0, rows.length - 1));
  const offset = scrollOffset(top, clampedCursor, tableHeight, rows.length);
  const current = rows[clampedCursor];

  const serviceOf = (row: Row | undefined): Service | undefined =>
    row?.serviceKey ? snap.services.find((s) => `${s.metadata?.namespace ?? 'default'}/${s.metadata?.name}` === row.serviceKey) : undefined;

  const detailLines = (): string[] => {
    if (!detail) return [];
    const svc = serviceOf(detail.row);
    switch (detail.kind) {
      case 'yaml':
        return detail.row.object ? yamlLines(detail.row.object) : ['(nothing to show)'];
      case 'describe':
        return svc ? describeServiceIn(snap, svc) : detail.row.object ? yamlLines(detail.row.object) : [];
      case 'tree':
        return svc ? serviceTree(snap, svc, renderers) : ['(select a service)'];
      case 'rules':
        return svc && renderers.rules ? renderers.rules(snap, svc) : ['(no proxy renderer available)'];
      case 'dns':
        return svc && renderers.dns ? renderers.dns(snap, svc) : ['(no DNS renderer available)'];
    }
  };

  const runCommand = (text: string) => {
    const [cmd = '', arg] = text.trim().split(/\s+/);
    setDetail(undefined);
    if (cmd === 'q' || cmd === 'quit') return exit();
    if (cmd === 'ns') {
      setNamespace(arg && arg !== 'all' ? arg : undefined);
      return setMessage(arg && arg !== 'all' ? `namespace ${arg}` : 'all namespaces');
    }
    if (cmd === 'rules' || cmd === 'dns') {
      const row = current && viewId === 'svc' ? current : rows.find((r) => r.serviceKey === selectedService);
      if (row) setDetail({ kind: cmd, row });
      else setMessage(`select a service first, then :${cmd}`);
      return;
    }
    const next = TABLE_VIEWS.find((v) => v.id === cmd || v.title.toLowerCase() === cmd.toLowerCase() || (cmd === 'services' && v.id === 'svc'));
    if (!next) return setMessage(`unknown command ":${cmd}": try :svc :ep :eps :ing :rules :dns :nodes :events :ns NAME :q`);
    if (next.id === 'svc' || (next.id !== 'ep' && next.id !== 'eps')) setSelectedService(next.id === 'svc' ? undefined : selectedService);
    setViewId(next.id);
    setCursor(0);
    setTop(0);
    setSortColumn(-1);
    setMessage('');
  };

  const act = (action: Action) => {
    const page = detail ? Math.max(1, height - 4) : tableHeight;
    const move = (delta: number) => {
      if (detail) setDetailTop((t) => Math.max(0, Math.min(t + delta, detailLines().length - 1)));
      else setCursor(Math.max(0, Math.min(clampedCursor + delta, rows.length - 1)));
    };
    switch (action) {
      case 'quit': return exit();
      case 'help': return setShowHelp((h) => !h);
      case 'command': setMode('command'); return setInput('');
      case 'filter': setMode('filter'); return setInput(filter);
      case 'back':
        if (showHelp) return setShowHelp(false);
        if (detail) return setDetail(undefined);
        if (filter) return setFilter('');
        if (viewId !== 'svc') { setViewId('svc'); setCursor(0); return setSelectedService(undefined); }
        return;
      case 'up': return move(-1);
      case 'down': return move(1);
      case 'pageUp': return move(-page);
      case 'pageDown': return move(page);
      case 'top': return detail ? setDetailTop(0) : setCursor(0);
      case 'bottom': return detail ? setDetailTop(Math.max(0, detailLines().length - page)) : setCursor(rows.length - 1);
      case 'open':
        if (!current) return;
        if (viewId === 'svc') { setSelectedService(current.serviceKey); setDetailTop(0); return setDetail({ kind: 'tree', row: current }); }
        setDetailTop(0);
        return setDetail({ kind: current.serviceKey ? 'tree' : 'yaml', row: current });
      case 'yaml':
      case 'describe':
      case 'rules':
      case 'dns':
        if (!current) return;
        setDetailTop(0);
        return setDetail({ kind: action === 'yaml' ? 'yaml' : action === 'describe' ? 'describe' : action, row: current });
      case 'allNamespaces': {
        const ns = current?.object?.metadata?.namespace;
        if (namespace !== undefined || !ns) { setNamespace(undefined); return setMessage('all namespaces'); }
        setNamespace(ns);
        return setMessage(`namespace ${ns}`);
      }
      case 'faultsOnly': return setFaultsOnly((f) => !f);
      case 'sort': return setSortColumn((c) => (c + 1 >= view.columns.length ? -1 : c + 1));
      case 'reverseSort': return setSortDescending((d) => !d);
    }
  };

  useInput((ch, key) => {
    if (mode !== 'normal') {
      if (key.escape) { setMode('normal'); if (mode === 'filter') setFilter(''); return; }
      if (key.return) { setMode('normal'); if (mode === 'command') runCommand(input); else setFilter(input); return; }
      if (key.backspace || key.delete) { const v = input.slice(0, -1); setInput(v); if (mode === 'filter') setFilter(v); return; }
      if (ch && !key.ctrl && !key.meta) { const v = input + ch; setInput(v); if (mode === 'filter') { setFilter(v); setCursor(0); } }
      return;
    }
    const action = keyMap.get(keyName(ch, key));
    if (action) act(action);
  });

  const header = `svcnet · ${snap.source} · ${snap.connection}${snap.synced ? '' : ' (syncing)'} · lag ${snap.watchLagMs < 1000 ? `${snap.watchLagMs}ms` : `${(snap.watchLagMs / 1000).toFixed(1)}s`} · ${namespace ? `ns ${namespace}` : 'all namespaces'}${faultsOnly ? ' · faults only' : ''}`;
  const faults = rows.filter((r) => r.fault).length;
  const title = detail ? `${detail.kind} ${detail.row.serviceKey ?? detail.row.key}` : `${view.title} (${rows.length})${faults ? ` · ${faults} need attention` : ''}${filter ? ` · filter "${filter}"` : ''}${sortColumn >= 0 ? ` · sort ${view.columns[sortColumn]}${sortDescending ? ' desc' : ''}` : ''}`;
  const footer = mode === 'command' ? `:${input}` : mode === 'filter' ? `/${input}` : message || hints(bindings, ['command', 'filter', 'open', 'yaml', 'describe', 'faultsOnly', 'help', 'quit']);

  let body: ReactNode;
  if (showHelp) {
    body = (
      <Box flexDirection="column">
        {bindings.map((b) => (
          <Text key={b.action}>{`${b.keys.map((k) => (k === 'escape' ? 'esc' : k)).join(', ').padEnd(16)}${b.help}`}</Text>
        ))}
      </Box>
    );
  } else if (detail) {
    const lines = detailLines().slice(detailTop, detailTop + height - 4);
    body = (
      <Box flexDirection="column">
        {lines.map((l, i) => (
          <Text key={i} wrap="truncate-end">{l || ' '}</Text>
        ))}
      </Box>
    );
  } else {
    const visible = rows.slice(offset, offset + tableHeight);
    const widths = columnWidths(view.columns, visible, width - 2);
    const line = (cells: string[]) => cells.map((c, i) => fit(c, widths[i] ?? 8)).join('  ');
    body = (
      <Box flexDirection="column">
        <Text bold>{line(view.columns)}</Text>
        {visible.length === 0 ? <Text dimColor>{snap.synced ? 'no rows (esc clears the filter)' : 'loading...'}</Text> : null}
        {visible.map((r, i) => {
          const selected = offset + i === clampedCursor;
          const changed = r.changedAt !== undefined && snap.at - r.changedAt < HIGHLIGHT_MS;
          const text = `${selected ? '>' : ' '}${line(r.cells)}${r.fault ? '  !' : ''}`;
          return (
            <Text key={r.key} inverse={selected} color={color ? (r.fault ? 'red' : changed ? 'yellow' : undefined) : undefined} bold={changed} wrap="truncate-end">
              {text}
            </Text>
          );
        })}
      </Box>
    );
  }

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text color={color ? 'cyan' : undefined} wrap="truncate-end">{header}</Text>
      <Text bold wrap="truncate-end">{title}</Text>
      <Box flexGrow={1} flexDirection="column">{body}</Box>
      <Text dimColor wrap="truncate-end">{footer}</Text>
    </Box>
  );
}
