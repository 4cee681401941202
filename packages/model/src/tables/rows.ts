import type { Endpoints, Node, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import { formatAge, formatTimestampAge } from './duration.js';
import {
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
import { LABEL_NODE_ROLE_PREFIX, LABEL_ROLE } from '../wellKnown.js';

/** A column of a kind's table: its header and whether it only shows with `-o wide`. */
export interface Column {
  readonly name: string;
  readonly wide?: boolean;
}

export interface RowContext {
  readonly wide: boolean;
  readonly now: number;
}

interface Printer<T> {
  readonly columns: readonly Column[];
  /** Cells for every column, wide ones included (the caller drops them when not wide). */
  row(obj: T, ctx: RowContext): string[];
}

const age = (obj: { metadata?: { creationTimestamp?: string } }, ctx: RowContext) => formatTimestampAge(obj.metadata?.creationTimestamp, ctx.now);
const name = (obj: { metadata?: { name?: string } }) => obj.metadata?.name ?? '';
const cols = (...names: Array<string | [string, 'wide']>): Column[] => names.map((n) => (typeof n === 'string' ? { name: n } : { name: n[0], wide: true }));

const service: Printer<Service> = {
  columns: cols('NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', ['SELECTOR', 'wide']),
  row: (s, ctx) => [
    name(s),
    s.spec?.type ?? 'ClusterIP',
    s.spec?.clusterIPs?.[0] || s.spec?.clusterIP || '<none>',
    formatServiceExternalIP(s, ctx.wide),
    formatServicePorts(s),
    age(s, ctx),
    formatLabels(s.spec?.selector),
  ],
};

const endpoints: Printer<Endpoints> = {
  columns: cols('NAME', 'ENDPOINTS', 'AGE'),
  row: (e, ctx) => [name(e), formatEndpoints(e), age(e, ctx)],
};

const endpointSlice: Printer<EndpointSlice> = {
  columns: cols('NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'),
  row: (s, ctx) => [name(s), s.addressType, formatEndpointSlicePorts(s), formatEndpointSliceEndpoints(s), age(s, ctx)],
};

const ingress: Printer<Ingress> = {
  columns: cols('NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE'),
  row: (i, ctx) => [name(i), i.spec?.ingressClassName ?? '<none>', formatIngressHosts(i), formatLoadBalancerStatus(i.status?.loadBalancer, ctx.wide), formatIngressPorts(i), age(i, ctx)],
};

const ingressClass: Printer<IngressClass> = {
  columns: cols('NAME', 'CONTROLLER', 'PARAMETERS', 'AGE'),
  row: (c, ctx) => {
    const p = c.spec?.parameters;
    const params = p ? `${p.kind}/${p.name}` : '<none>';
    return [name(c), c.spec?.controller ?? '', params, age(c, ctx)];
  },
};

const secret: Printer<Secret> = {
  columns: cols('NAME', 'TYPE', 'DATA', 'AGE'),
  row: (s, ctx) => [name(s), s.type ?? 'Opaque', String(Object.keys(s.data ?? {}).length + Object.keys(s.stringData ?? {}).length), age(s, ctx)],
};

/**
 * printPod's READY and STATUS: the phase, overridden by the pod's reason and by container waiting or
 * terminated reasons (the first container wins); a container counts as ready only when ready and running.
 */
function podState(p: Pod): { ready: number; reason: string } {
  let reason: string = p.status?.reason || p.status?.phase || 'Unknown';
  let running = false;
  let ready = 0;
  const statuses = [...(p.status?.containerStatuses ?? [])].reverse();
  for (const c of statuses) {
    const st = c.state;
    if (st?.waiting?.reason) reason = st.waiting.reason;
    else if (st?.terminated?.reason) reason = st.terminated.reason;
    else if (st?.terminated) reason = st.terminated.signal ? `Signal:${st.terminated.signal}` : `ExitCode:${st.terminated.exitCode}`;
    else if (st?.running && c.ready) {
      running = true;
      ready++;
    }
  }
  if (reason === 'Completed' && running) {
    reason = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
  }
  if (p.metadata?.deletionTimestamp) reason = p.status?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return { ready, reason };
}

const pod: Printer<Pod> = {
  columns: cols('NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', ['IP', 'wide'], ['NODE', 'wide'], ['NOMINATED NODE', 'wide'], ['READINESS GATES', 'wide']),
  row: (p, ctx) => {
    const total = p.spec?.containers?.length ?? 0;
    const statuses = p.status?.containerStatuses ?? [];
    const { ready, reason } = podState(p);
    const restartCount = statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0);
    // Newer kubectl adds when the last restart happened: `3 (10s ago)`.
    const lastRestart = Math.max(0, ...statuses.map((c) => Date.parse(c.lastState?.terminated?.finishedAt ?? '') || 0));
    const restarts = restartCount && lastRestart ? `${restartCount} (${formatAge(ctx.now - lastRestart)} ago)` : String(restartCount);
    const gates = p.spec?.readinessGates ?? [];
    const gatesReady = gates.filter((g) => p.status?.conditions?.some((c) => c.type === g.conditionType && c.status === 'True')).length;
    return [
      name(p),
      `${ready}/${total}`,
      reason,
      restarts,
      age(p, ctx),
      p.status?.podIP || '<none>',
      p.spec?.nodeName || '<none>',
      p.status?.nominatedNodeName || '<none>',
      gates.length ? `${gatesReady}/${gates.length}` : '<none>',
    ];
  },
};

function nodeStatus(n: Node): string {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  const list = [!ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : ready.status === 'False' ? 'NotReady' : 'Unknown'];
  if (n.spec?.unschedulable) list.push('SchedulingDisabled');
  return list.join(',');
}

function nodeRoles(n: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(n.metadata?.labels ?? {})) {
    if (k.startsWith(LABEL_NODE_ROLE_PREFIX)) roles.add(k.slice(LABEL_NODE_ROLE_PREFIX.length));
    else if (k === LABEL_ROLE && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

const node: Printer<Node> = {
  columns: cols('NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', ['INTERNAL-IP', 'wide'], ['EXTERNAL-IP', 'wide'], ['OS-IMAGE', 'wide'], ['KERNEL-VERSION', 'wide'], ['CONTAINER-RUNTIME', 'wide']),
  row: (n, ctx) => {
    const addr = (t: string) => n.status?.addresses?.find((a) => a.type === t)?.address ?? '<none>';
    const info = n.status?.nodeInfo;
    return [name(n), nodeStatus(n), nodeRoles(n), age(n, ctx), info?.kubeletVersion ?? '', addr('InternalIP'), addr('ExternalIP'), info?.osImage || '<unknown>', info?.kernelVersion || '<unknown>', info?.containerRuntimeVersion || '<unknown>'];
  },
};

export interface PrintableOfKind {
  Service: Service;
  Endpoints: Endpoints;
  EndpointSlice: EndpointSlice;
  Pod: Pod;
  Ingress: Ingress;
  IngressClass: IngressClass;
  Secret: Secret;
  Node: Node;
}

export type PrintableKind = keyof PrintableOfKind;

export const PRINTERS: { readonly [K in PrintableKind]: Printer<PrintableOfKind[K]> } = {
  Service: service,
  Endpoints: endpoints,
  EndpointSlice: endpointSlice,
  Pod: pod,
  Ingress: ingress,
  IngressClass: ingressClass,
  Secret: secret,
  Node: node,
};
