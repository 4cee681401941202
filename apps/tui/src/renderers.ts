import type { Service } from '@svcnet/model';
import { formatRR, RecordIndex, zoneRecords } from '@svcnet/dns';
import { NFTablesSyncer, ProxyState, proxyOptions, renderIPTables } from '@svcnet/proxy';
import { objectKey } from '@svcnet/model';
import type { Snapshot } from './dashboard/clusterModel.js';
import type { DetailRenderers } from './dashboard/detailText.js';

export type RulesMode = 'iptables' | 'nftables';

/**
 * The proxy rules of one Service as @svcnet/proxy renders them for a node (full iptables-restore or
 * nft text for that Service and its EndpointSlices), keeping only the lines that belong to it.
 */
export function serviceRules(s: Snapshot, svc: Service, mode: RulesMode, nodeName = 'node-1'): string[] {
  const state = new ProxyState('IPv4', nodeName);
  state.onServiceUpdate(svc);
  for (const slice of s.slicesByService.get(objectKey(svc)) ?? []) state.onEndpointSliceUpdate(slice);
  state.checkout();
  const options = proxyOptions({ nodeName });
  const text =
    mode === 'nftables'
      ? new NFTablesSyncer(state, options).prepare().text
      : renderIPTables({ family: 'IPv4', services: state.services, endpoints: state.endpoints, options, full: true }).text;
  const name = `${objectKey(svc)}`;
  const lines = text.split('\n');
  // Per-service chains (KUBE-SVC-..., KUBE-SEP-...) are named by hash; keep every line that mentions
  // the service by its comment or a chain first declared by such a line.
  const chains = new Set<string>();
  for (const l of lines) {
    if (!l.includes(name)) continue;
    for (const m of l.matchAll(/(KUBE-(?:SVC|SVL|EXT|FW|SEP)-[A-Z0-9]+|service-[a-z0-9-]+|endpoint-[a-z0-9-.]+)/gi)) chains.add(m[1]!);
  }
  return lines.filter((l) => l.includes(name) || [...chains].some((c) => l.includes(c)));
}

/** The DNS records of one Service in zone-file form, as @svcnet/dns answers them. */
export function serviceDnsRecords(s: Snapshot, svc: Service, zone = 'cluster.local'): string[] {
  const idx = new RecordIndex({ zone });
  idx.upsertService(svc);
  for (const slice of s.slicesByService.get(objectKey(svc)) ?? []) idx.upsertEndpointSlice(slice);
  return zoneRecords(idx)
    .filter((rr) => rr.type !== 'SOA' && rr.type !== 'NS' && rr.type !== 'TXT' && !rr.name.startsWith('ns.dns.'))
    .map(formatRR);
}

/** Proxy rules and DNS records for the dashboard's detail views, from @svcnet/proxy and @svcnet/dns. */
export function detailRenderers(mode: RulesMode = 'iptables'): DetailRenderers {
  return {
    rules: (s, svc) => serviceRules(s, svc, mode),
    dns: (s, svc) => serviceDnsRecords(s, svc),
  };
}
