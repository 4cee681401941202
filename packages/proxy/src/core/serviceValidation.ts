import { invalid, isValidPortNum, notSupported, validateDNS1123Label, type FieldError, type Service } from '@svcnet/model';
import type { InvalidObject, InvalidReason } from './invalidObjects.js';
import { invalidObject } from './invalidObjects.js';
import { checkRuleAddress, isAddressProblem, parseRuleCIDR, type AddressPolicy, type RuleAddress, type RuleCIDR } from './ruleAddress.js';
import type { Protocol } from './types.js';

export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

/** Upstream MaxClientIPServiceAffinitySeconds: timeoutSeconds is 1..86400. */
export const MAX_AFFINITY_SECONDS = 86400;

export interface ProxyServicePort {
  readonly name: string;
  readonly port: number;
  readonly protocol: Protocol;
  /** 0 when the port has none. */
  readonly nodePort: number;
}

/**
 * The parts of a Service that reach the rules, each one checked: names are DNS labels (they go into
 * comments and chain-name hashes), addresses are parsed and printed canonically, ports are integers
 * in range and protocols known. Status load-balancer IPs are kept only for type LoadBalancer (the
 * API server forbids them elsewhere, and kube-proxy programs LB IPs only for such Services).
 */
export interface ProxyService {
  readonly namespace: string;
  readonly name: string;
  readonly clusterIPs: readonly RuleAddress[];
  readonly externalIPs: readonly RuleAddress[];
  /** VIP-mode ingress IPs (ipMode Proxy ones are left to the load balancer, as upstream). */
  readonly loadBalancerIPs: readonly RuleAddress[];
  readonly loadBalancerSourceRanges: readonly RuleCIDR[];
  readonly ports: readonly ProxyServicePort[];
  /** 0 when unset. */
  readonly healthCheckNodePort: number;
  /** spec.sessionAffinityConfig.clientIP.timeoutSeconds, undefined when unset. */
  readonly affinityTimeoutSeconds: number | undefined;
}

class Skip extends Error {
  constructor(
    readonly reason: InvalidReason,
    readonly fieldError: FieldError,
  ) {
    super(String(fieldError));
  }
}

function label(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new Skip('invalid_name', invalid(path, value, 'must be a string'));
  const errs = validateDNS1123Label(value, path);
  if (errs.length) throw new Skip('invalid_name', errs[0]!);
  return value;
}

function port(value: unknown, path: string, optional: boolean): number {
  if (optional && (value === undefined || value === null || value === 0)) return 0;
  const errs = isValidPortNum(value);
  if (errs.length) throw new Skip('invalid_port', invalid(path, value, errs[0]!));
  return value as number;
}

function address(value: unknown, path: string, policy: AddressPolicy): RuleAddress {
  const r = checkRuleAddress(value, path, policy);
  if (isAddressProblem(r)) throw new Skip(r.reason, r.error);
  return r;
}

function list(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Skip('invalid_value', invalid(path, value, 'must be a list'));
  return value;
}

/** The name of a Service (or a slice's Service) as a key; used in reports, never in rules. */
export function serviceKeyOf(svc: Service): string {
  return `${String(svc.metadata?.namespace ?? 'default')}/${String(svc.metadata?.name ?? '')}`;
}

/**
 * Checks a Service for the proxy (family-independent, so every proxier of a node agrees) and
 * returns what the rules may use; or, when one value is unusable, why the whole Service is
 * skipped (the API server would have refused it). The first problem found is reported.
 */
export function parseProxyService(svc: Service, policy: AddressPolicy): ProxyService | InvalidObject {
  try {
    const meta = svc.metadata ?? {};
    const spec = svc.spec ?? {};
    const namespace = label(meta.namespace ?? 'default', 'metadata.namespace');
    const name = label(meta.name ?? '', 'metadata.name');
    const clusterIPs: RuleAddress[] = [];
    const ips = spec.clusterIPs?.length ? list(spec.clusterIPs, 'spec.clusterIPs') : [spec.clusterIP];
    ips.forEach((ip, i) => {
      if (ip === undefined || ip === '' || ip === 'None') return;
      clusterIPs.push(address(ip, spec.clusterIPs?.length ? `spec.clusterIPs[${i}]` : 'spec.clusterIP', policy));
    });
    const externalIPs = list(spec.externalIPs, 'spec.externalIPs').map((ip, i) => address(ip, `spec.externalIPs[${i}]`, policy));
    const isLB = spec.type === 'LoadBalancer';
    const loadBalancerIPs: RuleAddress[] = [];
    const loadBalancerSourceRanges: RuleCIDR[] = [];
    if (isLB) {
      list(svc.status?.loadBalancer?.ingress, 'status.loadBalancer.ingress').forEach((ing, i) => {
        const entry = (ing ?? {}) as { ip?: unknown; ipMode?: unknown };
        if (entry.ip === undefined || entry.ip === '') return;
        const a = address(entry.ip, `status.loadBalancer.ingress[${i}].ip`, policy);
        if (entry.ipMode !== 'Proxy') loadBalancerIPs.push(a);
      });
      list(spec.loadBalancerSourceRanges, 'spec.loadBalancerSourceRanges').forEach((c, i) => {
        const r = parseRuleCIDR(c);
        if (!r) throw new Skip('invalid_cidr', invalid(`spec.loadBalancerSourceRanges[${i}]`, c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
        loadBalancerSourceRanges.push(r);
      });
    }
    const ports = list(spec.ports, 'spec.ports').map((raw, i): ProxyServicePort => {
      const p = (raw ?? {}) as { name?: unknown; port?: unknown; protocol?: unknown; nodePort?: unknown };
      const path = `spec.ports[${i}]`;
      const protocol = p.protocol ?? 'TCP';
      if (!PROTOCOLS.includes(protocol as Protocol)) throw new Skip('invalid_protocol', notSupported(`${path}.protocol`, protocol, PROTOCOLS));
      return {
        name: p.name === undefined || p.name === '' ? '' : label(p.name, `${path}.name`),
        port: port(p.port, `${path}.port`, false),
        protocol: protocol as Protocol,
        nodePort: port(p.nodePort, `${path}.nodePort`, true),
      };
    });
    const healthCheckNodePort = port(spec.healthCheckNodePort, 'spec.healthCheckNodePort', true);
    let affinityTimeoutSeconds: number | undefined;
    const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    if (spec.sessionAffinity === 'ClientIP' && timeout !== undefined && timeout !== null) {
      if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > MAX_AFFINITY_SECONDS) {
        throw new Skip('invalid_value', invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout, `must be greater than 0 and less than ${MAX_AFFINITY_SECONDS}`));
      }
      affinityTimeoutSeconds = timeout;
    }
    return { namespace, name, clusterIPs, externalIPs, loadBalancerIPs, loadBalancerSourceRanges, ports, healthCheckNodePort, affinityTimeoutSeconds };
  } catch (e) {
    if (e instanceof Skip) return invalidObject('Service', serviceKeyOf(svc), e.reason, e.fieldError);
    throw e;
  }
}

export function isInvalidObject(r: object): r is InvalidObject {
  return (r as InvalidObject).reason !== undefined && (r as InvalidObject).message !== undefined;
}
