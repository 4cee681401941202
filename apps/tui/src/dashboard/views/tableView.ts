import type { KubeObject } from '@svcnet/model';
import { formatAge } from '@svcnet/model';
import type { Snapshot } from '../clusterModel.js';

/** One table row: display cells plus what the UI needs to mark and open it. */
export interface Row {
  key: string;
  cells: string[];
  /** A row that needs attention (no ready endpoints, NotReady node, error). */
  fault?: string;
  changedAt?: number;
  object?: KubeObject;
  /** The Service this row belongs to, for drill-down from ep/eps/ing rows. */
  serviceKey?: string;
}

export interface TableView {
  id: string;
  title: string;
  columns: string[];
  /**
   * The AGE column, if the view has one: its cell in `rows()` is as of when the row was built, and
   * `cellsAt` brings it up to the time drawn. Rows can then be cached by object instead of rebuilt
   * every second (at 10,000 Services that rebuild was most of the dashboard's CPU and garbage).
   */
  ageColumn?: number;
  rows(s: Snapshot, scope: ViewScope): readonly Row[];
}

export interface ViewScope {
  /** Restrict to one namespace; undefined = all namespaces. */
  namespace?: string;
  /** The Service selected in :svc, for :ep and friends. */
  serviceKey?: string;
}

/** The cell of an unset field, as kubectl prints it. */
export const none = '<none>';

export const nsOf = (o: KubeObject) => o.metadata?.namespace ?? 'default';
export const inScope = (o: KubeObject, scope: ViewScope) => scope.namespace === undefined || nsOf(o) === scope.namespace;
const created = new WeakMap<KubeObject, number>();
export const age = (o: KubeObject, now: number) => {
  let t = created.get(o);
  if (t === undefined) {
    const ts = o.metadata?.creationTimestamp;
    t = ts ? Date.parse(ts) : NaN;
    created.set(o, t);
  }
  return Number.isNaN(t) ? '<unknown>' : formatAge(now - t);
};

export function yesNo(v: boolean | undefined, dflt: boolean): string {
  return (v ?? dflt) ? 'yes' : 'no';
}

/** A row's cells as of `now`: its AGE cell (the view's ageColumn, from row.object) recomputed. */
export function cellsAt(view: TableView, row: Row, now: number): string[] {
  const col = view.ageColumn;
  if (col === undefined || !row.object) return row.cells;
  const current = age(row.object, now);
  if (row.cells[col] === current) return row.cells;
  const cells = row.cells.slice();
  cells[col] = current;
  return cells;
}
