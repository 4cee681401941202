import type { EndpointSlice } from '@svcnet/model';
import type { Snapshot } from '../clusterModel.js';
import type { Row, ViewScope } from './tableView.js';

/** A Service's rows, from its key and its EndpointSlices. */
export type ServiceRowsBuilder = (svcKey: string, slices: readonly EndpointSlice[], s: Snapshot) => Row[];

export interface SliceRowsOptions {
  /**
   * True when every row key starts with its Service's key and `/` (the :ep rows): the rows sorted
   * by key are then the Services in the order of `key + '/'`, each with its own rows sorted, so a
   * rebuild concatenates cached runs instead of sorting every row. (A key is `namespace/name`, and a
   * name has no `/`, so no Service's `key/` is a prefix of another's.)
   */
  keyedByService: boolean;
}

const byKey = (a: Row, b: Row) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
const serviceOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface BuiltRows {
  /** The model's slices map the rows came from (one per ClusterModel), and that snapshot's version. */
  source: Snapshot['slicesByService'];
  version: number;
  scope: string;
  rows: readonly Row[];
  /** Where each row is in `rows` (undefined when two rows share a key: no patching then), and each Service's rows as they were built. */
  indexOf: ReadonlyMap<string, number> | undefined;
  byService: ReadonlyMap<string, readonly Row[]>;
}

/**
 * The rows of a view made of each Service's EndpointSlices, sorted by key (:ep has 100,000 rows at
 * 10,000 Services), kept across snapshots as the :svc rows are (servicesView.ts). A Service's rows
 * are built once per slices array (the model hands out a new array only when that Service's slices
 * change). From the snapshot after the one the last rows came from, only the Services in
 * `slicesChanged` are visited, and their rows replaced where they stand when their keys did not
 * change (a readiness flip); otherwise, or in another scope, the rows are put together again from
 * the cached ones. Returned arrays are never changed afterwards (a patch copies).
 */
export function sliceRows(build: ServiceRowsBuilder, options: SliceRowsOptions): (s: Snapshot, scope: ViewScope) => readonly Row[] {
  const cache = new WeakMap<readonly EndpointSlice[], Row[]>();
  const rowsOf = (svcKey: string, slices: readonly EndpointSlice[], s: Snapshot): Row[] => {
    let rows = cache.get(slices);
    if (!rows) cache.set(slices, (rows = build(svcKey, slices, s).sort(byKey)));
    return rows;
  };
  let built: BuiltRows | undefined;

  const patch = (prev: BuiltRows, s: Snapshot, inScope: (svcKey: string) => boolean): BuiltRows | undefined => {
    const indexOf = prev.indexOf;
    if (!indexOf) return undefined;
    let rows: Row[] | undefined;
    let byService: Map<string, readonly Row[]> | undefined;
    for (const svcKey of s.slicesChanged) {
      if (!inScope(svcKey)) continue;
      const slices = s.slicesByService.get(svcKey);
      const next = slices ? rowsOf(svcKey, slices, s) : [];
      const old = prev.byService.get(svcKey) ?? [];
      if (next.length !== old.length || next.some((r, i) => r.key !== old[i]!.key)) return undefined;
      rows ??= prev.rows.slice();
      byService ??= new Map(prev.byService);
      byService.set(svcKey, next);
      for (const r of next) rows[indexOf.get(r.key)!] = r;
    }
    return { ...prev, version: s.version, rows: rows ?? prev.rows, byService: byService ?? prev.byService };
  };

  const rebuild = (s: Snapshot, scope: string, inScope: (svcKey: string) => boolean): BuiltRows => {
    const byService = new Map<string, readonly Row[]>();
    for (const [svcKey, slices] of s.slicesByService) if (inScope(svcKey)) byService.set(svcKey, rowsOf(svcKey, slices, s));
    let rows: Row[];
    if (options.keyedByService) {
      rows = [];
      const order = [...byService.keys()].map((k) => `${k}/`).sort(serviceOrder);
      for (const k of order) for (const r of byService.get(k.slice(0, -1))!) rows.push(r);
    } else {
      rows = [...byService.values()].flat().sort(byKey);
    }
    const indexOf = new Map<string, number>();
    rows.forEach((r, i) => indexOf.set(r.key, i));
    return { source: s.slicesByService, version: s.version, scope, rows, indexOf: indexOf.size === rows.length ? indexOf : undefined, byService };
  };

  return (s, scope) => {
    const id = JSON.stringify([scope.namespace, scope.serviceKey]);
    const inScope = (svcKey: string) => (!scope.serviceKey || svcKey === scope.serviceKey) && (scope.namespace === undefined || svcKey.startsWith(`${scope.namespace}/`));
    const prev = built?.scope === id && built.source === s.slicesByService ? built : undefined;
    if (prev?.version === s.version) return prev.rows;
    built = (prev?.version === s.version - 1 ? patch(prev, s, inScope) : undefined) ?? rebuild(s, id, inScope);
    return built.rows;
  };
}
