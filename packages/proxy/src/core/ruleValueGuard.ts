import type { EndpointInfo, ServicePortInfo } from './types.js';

/**
 * A value about to be pasted into iptables-restore, nft or ipset/ipvsadm input that is not what
 * the change trackers produce (a canonical address, a port, a DNS-label name). The trackers skip
 * and report invalid objects, so this means something built a ServicePortInfo or EndpointInfo
 * around them: the renderer refuses to write any of it rather than risk an injected line.
 */
export class UnsafeRuleValueError extends Error {
  readonly code = 'UnsafeRuleValue';
  constructor(what: string, value: unknown) {
    super(`proxy: refusing to render ${what} ${JSON.stringify(value)}: not a canonical address, port or DNS label; build service ports with the change trackers (ProxyState), which check and report objects`);
    this.name = 'UnsafeRuleValueError';
  }
}

// Character-level checks, cheap enough for every render: they cannot let a space, quote, newline,
// `;`, `{`, `}` or option dash through, which is what a rule line would need to be subverted.
const ADDRESS = /^[0-9a-f.:]{2,45}$/;
const CIDR = /^[0-9a-f.:]{2,45}\/\d{1,3}$/;
const ENDPOINT = /^(?:[0-9.]{7,15}|\[[0-9a-f.:]{2,45}\]):\d{1,5}$/;
const LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP']);

const isPort = (n: unknown, zeroOK = false): boolean => typeof n === 'number' && Number.isInteger(n) && n <= 65535 && (n >= 1 || (zeroOK && n === 0));

function check(ok: boolean, what: string, value: unknown): void {
  if (!ok) throw new UnsafeRuleValueError(what, value);
}

/** Throws UnsafeRuleValueError unless every value of `svc` that renderers write is safe. */
export function assertSafeServicePort(svc: ServicePortInfo): void {
  const p = svc.portName;
  check(LABEL.test(p.namespace) && LABEL.test(p.name) && (p.port === '' || LABEL.test(p.port)), 'service port name', svc.nameString);
  check(svc.nameString === (p.port ? `${p.namespace}/${p.name}:${p.port}` : `${p.namespace}/${p.name}`), 'service port name', svc.nameString);
  check(PROTOCOLS.has(svc.protocol) && p.protocol === svc.protocol, 'protocol', svc.protocol);
  check(ADDRESS.test(svc.clusterIP), 'ClusterIP', svc.clusterIP);
  check(isPort(svc.port), 'port', svc.port);
  check(isPort(svc.nodePort, true), 'nodePort', svc.nodePort);
  check(isPort(svc.healthCheckNodePort, true), 'healthCheckNodePort', svc.healthCheckNodePort);
  check(Number.isInteger(svc.stickyMaxAgeSeconds) && svc.stickyMaxAgeSeconds >= 0, 'affinity timeout', svc.stickyMaxAgeSeconds);
  for (const ip of svc.externalIPs) check(ADDRESS.test(ip), 'externalIP', ip);
  for (const ip of svc.loadBalancerVIPs) check(ADDRESS.test(ip), 'LoadBalancer IP', ip);
  for (const c of svc.loadBalancerSourceRanges) check(CIDR.test(c), 'source range', c);
}

/** Throws UnsafeRuleValueError unless every endpoint's address and port are safe. */
export function assertSafeEndpoints(eps: readonly EndpointInfo[] | undefined): void {
  if (!eps) return;
  for (const ep of eps) {
    check(ADDRESS.test(ep.ip), 'endpoint address', ep.ip);
    check(isPort(ep.port), 'endpoint port', ep.port);
    check(ENDPOINT.test(ep.endpoint), 'endpoint', ep.endpoint);
  }
}
