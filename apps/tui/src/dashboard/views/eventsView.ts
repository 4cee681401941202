import { formatAge } from '@svcnet/model';
import { type TableView } from './tableView.js';

export const eventsView: TableView = {
  id: 'events',
  title: 'Events',
  columns: ['AGE', 'TYPE', 'KIND', 'OBJECT', 'MESSAGE'],
  rows(s) {
    return [...s.events].reverse().map((e, i) => ({
      key: `${e.at}-${i}`,
      fault: e.type === 'ERROR' || e.type === 'PROBLEM' ? e.message : undefined,
      cells: [formatAge(s.at - e.at), e.type, e.kind, e.key, e.message],
    }));
  },
};
