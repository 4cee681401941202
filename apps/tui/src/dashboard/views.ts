import { endpointsView } from './views/endpointsView.js';
import { eventsView } from './views/eventsView.js';
import { ingressView } from './views/ingressView.js';
import { nodesView } from './views/nodesView.js';
import { servicesView } from './views/servicesView.js';
import { sliceView } from './views/sliceView.js';
import type { TableView } from './views/tableView.js';

// The dashboard's tables, one file each under views/; this file is their tab order.
export type { Row, TableView, ViewScope } from './views/tableView.js';
export { cellsAt } from './views/tableView.js';
export { endpointCounts, externalIPs, serviceFault, servicesView } from './views/servicesView.js';
export { endpointsView, eventsView, ingressView, nodesView, sliceView };

export const TABLE_VIEWS: readonly TableView[] = [servicesView, endpointsView, sliceView, ingressView, nodesView, eventsView];
