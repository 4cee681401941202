import { describe, expect, it } from 'vitest';
import { columnWidths, fit, queryRows, scrollOffset } from './tableState.js';
import type { Row } from './views.js';

const rows: Row[] = [
  { key: 'a', cells: ['default', 'web', '10/10'] },
  { key: 'b', cells: ['kube-system', 'dns', '9/10'], fault: 'no ready endpoints' },
  { key: 'c', cells: ['default', 'api', '0/0'] },
];
const q = { filter: '', faultsOnly: false, sortColumn: -1, sortDescending: false };

describe('queryRows', () => {
  it.each([
    ['no filter keeps the order', q, ['a', 'b', 'c']],
    ['text filter matches any cell, case-insensitive', { ...q, filter: 'KUBE' }, ['b']],
    ['faults only', { ...q, faultsOnly: true }, ['b']],
    ['sort by a column', { ...q, sortColumn: 1 }, ['c', 'b', 'a']],
    ['numeric-aware sort', { ...q, sortColumn: 2 }, ['c', 'b', 'a']],
    ['descending', { ...q, sortColumn: 1, sortDescending: true }, ['a', 'b', 'c']],
  ])('%s', (_name, query, keys) => {
    expect(queryRows(rows, query).map((r) => r.key)).toEqual(keys);
  });
});

describe('scrollOffset', () => {
  it.each([
    [0, 0, 10, 100, 0],
    [0, 10, 10, 100, 1],
    [50, 20, 10, 100, 20],
    [95, 99, 10, 100, 90],
    [0, 3, 10, 5, 0],
  ])('top %i cursor %i height %i total %i -> %i', (prev, cursor, height, total, want) => {
    expect(scrollOffset(prev, cursor, height, total)).toBe(want);
  });
});

describe('columnWidths and fit', () => {
  it('fits the table into the width by shrinking the widest column', () => {
    const w = columnWidths(['NAME', 'X'], [{ key: 'k', cells: ['a'.repeat(40), 'b'] }], 30);
    expect(w.reduce((a, b) => a + b, 0) + 2).toBeLessThanOrEqual(30);
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('ab', 4)).toBe('ab  ');
  });
});
