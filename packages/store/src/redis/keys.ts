import type { Kind } from '@svcnet/model';

/**
 * Key layout: every key of one kind shares one hash tag, so a write script touches one slot and the
 * layout runs unchanged on Redis Cluster (see docs/decisions/001-store-one-stream-per-kind.md).
 */
export const KIND_TAGS: Readonly<Record<Kind, string>> = {
  Service: 'svc',
  Endpoints: 'ep',
  EndpointSlice: 'eps',
  Pod: 'pod',
  Secret: 'secret',
  Node: 'node',
  Ingress: 'ing',
  IngressClass: 'ingclass',
};

export interface KindKeys {
  /** INCR counter: the kind's revision. */
  rev: string;
  /** Hash: object key -> object JSON. */
  objs: string;
  /** Hash: object key -> resourceVersion (what the compare-and-set compares, without parsing JSON). */
  rvs: string;
  /** Stream of change events, entry ID `<revision>-0`, capped with MAXLEN ~. */
  events: string;
  /** Random id set once per data set: a new one means the data were lost (restart without persistence, flush). */
  uid: string;
  /** Sets of allocated ClusterIPs and NodePorts (Service only; kept in the Service slot so allocation is atomic with the write). */
  ips: string;
  ports: string;
  /**
   * Cluster only: hash lease name -> highest fencing token a write to this kind carried (the lease
   * lives in another slot, so a write checks it there first and refuses lower tokens here).
   */
  fences: string;
  /** A counter a durable write bumps when it wrote nothing, for WAIT to have an offset to wait for. */
  barrier: string;
}

export function kindKeys(kind: Kind, prefix = ''): KindKeys {
  const t = `${prefix}{${KIND_TAGS[kind]}}`;
  return {
    rev: `${t}:rev`,
    objs: `${t}:objs`,
    rvs: `${t}:rvs`,
    events: `${t}:events`,
    uid: `${t}:uid`,
    ips: `${t}:alloc:ips`,
    ports: `${t}:alloc:ports`,
    fences: `${t}:fences`,
    barrier: `${t}:barrier`,
  };
}

export const leaseKey = (name: string, prefix = '') => `${prefix}{lease}:${name}`;
export const nodeStatusKey = (prefix = '') => `${prefix}{nodes}:status`;
