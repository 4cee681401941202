export { formatAge, formatTimestampAge } from './duration.js';
export {
  formatEndpointSliceEndpoints,
  formatEndpointSlicePorts,
  formatEndpoints,
  formatIngressHosts,
  formatIngressPorts,
  formatLabels,
  formatLoadBalancerStatus,
  formatServiceExternalIP,
  formatServicePorts,
} from './network.js';
export { formatTable, isPrintableKind, renderTable, tableFor } from './format.js';
export type { Table, TableOptions } from './format.js';
export type { Column, PrintableKind, PrintableOfKind } from './rows.js';
