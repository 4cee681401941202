import type { EndpointSlice, KubeObject, Service } from '@svcnet/model';
import { formatAge, formatServicePorts, objectKey, isEndpointReady, joinHostPort } from '@svcnet/model';
import type { Snapshot } from './clusterModel.js';

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
  rows(s: Snapshot, scope: ViewScope): Row[];
}

export interface ViewScope {
  /** Restrict to one namespace; undefined = all namespaces. */
  namespace?: string;
  /** The Service selected in :svc, for :ep and friends. */
  serviceKey?: string;
}

const none = '<none>';

const countCache = new WeakMap<readonly EndpointSlice[], { ready: number; total: number }>();
const NO_ENDPOINTS = { ready: 0, total: 0 } as const;

/**
 * Ready and total endpoint counts of a Service, from its EndpointSlices (deduplicated by address).
 * Cached per slices array: the model hands out a new array only when that Service's slices change.
 */
export function endpointCounts(slices: readonly EndpointSlice[] | undefined): { ready: number; total: number } {
  if (!slices) return NO_ENDPOINTS;
  let c = countCache.get(slices);
  if (!c) countCache.set(slices, (c = countEndpoints(slices)));
  return c;
}

function countEndpoints(slices: readonly EndpointSlice[]): { ready: number; total: number } {
  const all = new Set<string>();
  const ready = new Set<string>();
  for (const s of slices ?? []) {
    for (const e of s.endpoints ?? []) {
      const addr = e.addresses?.[0];
      if (!addr) continue;
      all.add(addr);
      if (isEndpointReady(e)) ready.add(addr);
    }
  }
  return { ready: ready.size, total: all.size };
}

export function externalIPs(svc: Service): string {
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName') return spec.externalName ?? none;
  const ips = [...(spec.externalIPs ?? [])];
  for (const i of svc.status?.loadBalancer?.ingress ?? []) ips.push(i.ip ?? i.hostname ?? '');
  if (ips.length) return ips.join(',');
  return spec.type === 'LoadBalancer' ? '<pending>' : none;
}

/** Why a Service needs attention, or undefined. Selectorless and ExternalName Services are not judged. */
export function serviceFault(svc: Service, slices: readonly EndpointSlice[] | undefined): string | undefined {
  if (svc.spec?.type === 'ExternalName') return undefined;
  const { ready, total } = endpointCounts(slices);
  if (ready > 0) return undefined;
  if (!svc.spec?.selector && total === 0) return undefined;
  return total === 0 ? 'no endpoints' : 'no ready endpoints';
}

const nsOf = (o: KubeObject) => o.metadata?.namespace ?? 'default';
const inScope = (o: KubeObject, scope: ViewScope) => scope.namespace === undefined || nsOf(o) === scope.namespace;
const created = new WeakMap<KubeObject, number>();
const age = (o: KubeObject, now: number) => {
  let t = created.get(o);
  if (t === undefined) {
    const ts = o.metadata?.creationTimestamp;
    t = ts ? Date.parse(ts) : NaN;
    created.set(o, t);
  }
  return Number.isNaN(t) ? '<unknown>' : formatAge(now - t);
};

interface CachedServiceRow {
  key: string;
  changeKey: string;
  slices: readonly EndpointSlice[] | undefined;
  second: number;
  changedAt: number | undefined;
  row: Row;
}
const serviceRowCache = new WeakMap<Service, CachedServiceRow>();

/**
 * One :svc row, rebuilt only when the Service, its slices or its change mark moved, or a new second
 * began (for AGE). With 10,000 Services a refresh tick is then a few map lookups per Service.
 */
function serviceRow(s: Snapshot, svc: Service): Row {
  const second = Math.floor(s.at / 1000);
  let hit = serviceRowCache.get(svc);
  const key = hit?.key ?? objectKey(svc);
  const changeKey = hit?.changeKey ?? `Service/${key}`;
  const slices = s.slicesByService.get(key);
  const changedAt = s.changedAt.get(changeKey);
  if (hit && hit.slices === slices && hit.second === second && hit.changedAt === changedAt) return hit.row;
  const { ready, total } = endpointCounts(slices);
  const fault = serviceFault(svc, slices);
  const row: Row = {
    key,
    serviceKey: key,
    object: svc,
    fault,
    changedAt,
    cells: [
      nsOf(svc),
      svc.metadata?.name ?? '',
      svc.spec?.type ?? 'ClusterIP',
      svc.spec?.clusterIP ?? none,
      externalIPs(svc),
      formatServicePorts(svc),
      svc.spec?.type === 'ExternalName' ? '-' : `${ready}/${total}${fault ? ` (${fault})` : ''}`,
      age(svc, s.at),
    ],
  };
  hit = { key, changeKey, slices, second, changedAt, row };
  serviceRowCache.set(svc, hit);
  return row;
}

export const servicesView: TableView = {
  id: 'svc',
  title: 'Services',
  columns: ['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'ENDPOINTS', 'AGE'],
  rows(s, scope) {
    const out: Row[] = [];
    for (const svc of s.services) if (inScope(svc, scope)) out.push(serviceRow(s, svc));
    return out;
  },
};

export const endpointsView: TableView = {
  id: 'ep',
  title: 'Endpoints',
  columns: ['NAMESPACE', 'SERVICE', 'ADDRESS:PORT', 'READY', 'SERVING', 'TERMINATING', 'NODE', 'POD'],
  rows(s, scope) {
    const rows: Row[] = [];
    for (const [svcKey, slices] of s.slicesByService) {
      if (scope.serviceKey && svcKey !== scope.serviceKey) continue;
      const [ns, name] = svcKey.split('/') as [string, string];
      if (scope.namespace !== undefined && ns !== scope.namespace) continue;
      for (const slice of slices) {
        const ports = slice.ports?.length ? slice.ports : [{ port: undefined, name: '' }];
        for (const e of slice.endpoints ?? []) {
          for (const p of ports) {
            const addr = e.addresses?.[0] ?? '';
            const hostPort = p.port === undefined ? addr : joinHostPort(addr, p.port);
            const ready = isEndpointReady(e);
            rows.push({
              key: `${svcKey}/${slice.metadata?.name}/${addr}/${p.name ?? p.port}`,
              serviceKey: svcKey,
              object: slice,
              fault: ready ? undefined : 'not ready',
              changedAt: s.changedAt.get(`EndpointSlice/${objectKey(slice)}`),
              cells: [
                ns,
                name,
                hostPort + (p.name ? ` (${p.name})` : ''),
                yesNo(e.conditions?.ready, true),
                yesNo(e.conditions?.serving, ready),
                yesNo(e.conditions?.terminating, false),
                e.nodeName ?? none,
                e.targetRef?.kind === 'Pod' ? (e.targetRef.name ?? none) : none,
              ],
            });
          }
        }
      }
    }
    return rows.sort((a, b) => (a.key < b.key ? -1 : 1));
  },
};

export const sliceView: TableView = {
  id: 'eps',
  title: 'EndpointSlices',
  columns: ['NAMESPACE', 'NAME', 'SERVICE', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'],
  rows(s, scope) {
    const rows: Row[] = [];
    for (const [svcKey, slices] of s.slicesByService) {
      if (scope.serviceKey && svcKey !== scope.serviceKey) continue;
      for (const slice of slices) {
        if (!inScope(slice, scope)) continue;
        const addrs = (slice.endpoints ?? []).map((e) => e.addresses?.[0]).filter(Boolean) as string[];
        rows.push({
          key: objectKey(slice),
          serviceKey: svcKey,
          object: slice,
          changedAt: s.changedAt.get(`EndpointSlice/${objectKey(slice)}`),
          cells: [
            nsOf(slice),
            slice.metadata?.name ?? '',
            svcKey.split('/')[1] ?? '',
            slice.addressType,
            (slice.ports ?? []).map((p) => String(p.port ?? '')).join(',') || none,
            addrs.length > 3 ? `${addrs.slice(0, 3).join(',')} + ${addrs.length - 3} more...` : addrs.join(',') || '<unset>',
            age(slice, s.at),
          ],
        });
      }
    }
    return rows.sort((a, b) => (a.key < b.key ? -1 : 1));
  },
};

export const ingressView: TableView = {
  id: 'ing',
  title: 'Ingress routes',
  columns: ['NAMESPACE', 'INGRESS', 'HOST', 'PATH', 'PATHTYPE', 'BACKEND', 'READY', 'TLS'],
  rows(s, scope) {
    const rows: Row[] = [];
    for (const ing of s.ingresses) {
      if (!inScope(ing, scope)) continue;
      const ns = nsOf(ing);
      const tlsHosts = new Set((ing.spec?.tls ?? []).flatMap((t) => t.hosts ?? []));
      const add = (host: string, path: string, pathType: string, backend: { service?: { name: string; port?: { name?: string; number?: number } } } | undefined) => {
        const svcName = backend?.service?.name;
        const svcKey = svcName ? `${ns}/${svcName}` : undefined;
        const { ready, total } = endpointCounts(svcKey ? s.slicesByService.get(svcKey) : undefined);
        const port = backend?.service?.port?.name ?? backend?.service?.port?.number;
        rows.push({
          key: `${objectKey(ing)}/${host}/${path}`,
          serviceKey: svcKey,
          object: ing,
          fault: svcName && ready === 0 ? 'no ready endpoints' : undefined,
          changedAt: s.changedAt.get(`Ingress/${objectKey(ing)}`),
          cells: [ns, ing.metadata?.name ?? '', host || '*', path, pathType, svcName ? `${svcName}:${port ?? ''}` : none, `${ready}/${total}`, tlsHosts.has(host) ? 'yes' : 'no'],
        });
      };
      if (ing.spec?.defaultBackend) add('', '(default)', '-', ing.spec.defaultBackend);
      for (const rule of ing.spec?.rules ?? []) {
        for (const p of rule.http?.paths ?? []) add(rule.host ?? '', p.path ?? '/', p.pathType, p.backend);
      }
    }
    return rows;
  },
};

/** What svcnet-agent adds to its heartbeat beyond the store's typed fields (read defensively). */
interface AgentExtras {
  generation?: { desired?: number; applied?: number };
  proxyModeReason?: string;
  leader?: { endpoints?: boolean; loadbalancer?: boolean; manifests?: boolean };
  lastSyncError?: string;
}

export const nodesView: TableView = {
  id: 'nodes',
  title: 'Nodes and agents',
  columns: ['NAME', 'STATUS', 'INTERNAL-IP', 'AGENT', 'HEARTBEAT', 'PROXY-MODE', 'RULES', 'LEADER', 'MESSAGE'],
  rows(s) {
    const names = new Set([...s.nodes.map((n) => n.metadata?.name ?? ''), ...s.agents.map((a) => a.node)]);
    return [...names].sort().map((name) => {
      const n = s.nodes.find((x) => x.metadata?.name === name);
      const a = s.agents.find((x) => x.node === name);
      const extra = (a ?? {}) as AgentExtras;
      const ready = n?.status?.conditions?.find((c) => c.type === 'Ready');
      const status = ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : a ? (a.ready ? 'Ready' : 'NotReady') : 'Unknown';
      const beatAt = a ? a.lastSeen : ready?.lastHeartbeatTime ? Date.parse(ready.lastHeartbeatTime) : undefined;
      const gen = extra.generation;
      const behind = gen?.applied !== undefined && gen.desired !== undefined && gen.applied < gen.desired;
      const fault = status !== 'Ready' ? status : a && !a.ready ? 'agent not ready' : extra.lastSyncError ? 'sync failing' : undefined;
      const leader = [extra.leader?.endpoints && 'endpoints', extra.leader?.loadbalancer && 'loadbalancer', extra.leader?.manifests && 'manifests'].filter(Boolean).join(',');
      // A Node that is not Ready says why in its Ready condition (kubectl describe's message: the
      // agent's own "svcnet-agent stopped", or the node lifecycle controller's for a silent one);
      // the agent's last heartbeat would say "ready" for an agent that was killed.
      const message = status !== 'Ready' && ready?.message ? ready.message : (a?.message ?? '');
      return {
        key: name,
        object: n,
        fault,
        changedAt: s.changedAt.get(`Node/${name}`),
        cells: [
          name,
          status,
          n?.status?.addresses?.find((x) => x.type === 'InternalIP')?.address ?? none,
          a ? (a.agent ?? 'svcnet-agent') : none,
          beatAt === undefined ? none : `${formatAge(Math.max(0, s.at - beatAt))} ago`,
          a?.proxyMode ? `${a.proxyMode}${extra.proxyModeReason ? ' (fallback)' : ''}` : none,
          gen ? `${gen.applied ?? '?'}/${gen.desired ?? '?'}${behind ? ' behind' : ''}` : none,
          leader || '-',
          message,
        ],
      };
    });
  },
};

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

export const TABLE_VIEWS: readonly TableView[] = [servicesView, endpointsView, sliceView, ingressView, nodesView, eventsView];

function yesNo(v: boolean | undefined, dflt: boolean): string {
  return (v ?? dflt) ? 'yes' : 'no';
}
