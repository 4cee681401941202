// @svcnet/dns: cluster DNS per the Kubernetes DNS spec (CoreDNS kubernetes + forward + cache).
export { RecordIndex } from './core/recordIndex.js';
export { canonicalName, resolveOptions } from './core/options.js';
export type { PodMode, RecordIndexOptions, ResolvedOptions } from './core/options.js';
export { QTYPE, RCODE, rrTypeName } from './core/records.js';
export type { Answer, RR, RRType, SoaData, SrvData } from './core/records.js';
export { DNS_SCHEMA_VERSION, resolve, soaRecord, zoneOf } from './core/resolve.js';
export { formatRR, renderZone, zoneRecords } from './core/zoneFile.js';
export type { ZoneRecordsOptions } from './core/zoneFile.js';
export { SERVICE_NAME_LABEL, isHeadless, serviceRecords } from './core/serviceRecords.js';
export type { Item, NameNode, PtrEntry, ServiceRecords } from './core/serviceRecords.js';
