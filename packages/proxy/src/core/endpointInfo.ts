import { invalid, isValidPortNum, notSupported, validateDNS1123Label, type Endpoint, type EndpointSlice, LABEL_SERVICE_NAME, endpointState, objectKey, joinHostPort, ipFamily } from '@svcnet/model';
import type { InvalidObject, InvalidReason } from './invalidObjects.js';
import { invalidObject } from './invalidObjects.js';
import { STRICT_ADDRESSES, addressProblem, canonicalRuleAddress, type AddressPolicy } from './ruleAddress.js';
import { PROTOCOLS } from './serviceValidation.js';
import type { EndpointInfo, IPFamily, Protocol } from './types.js';
import { servicePortKey } from './types.js';



/**
 * One EndpointSlice's contribution, checked (upstream endpointSliceInfo): per service port key,
 * the endpoints with canonical addresses, ready to merge (they are shared, never changed).
 */
export interface ParsedSlice {
  readonly name: string;
  readonly ports: readonly { readonly key: string; readonly endpoints: readonly EndpointInfo[] }[];
}

const EMPTY_SLICE = (name: string): ParsedSlice => ({ name, ports: [] });

function problem(slice: EndpointSlice, reason: InvalidReason, error: Parameters<typeof invalidObject>[3]): InvalidObject {
  return invalidObject('EndpointSlice', objectKey(slice), reason, error);
}

/**
 * Checks one EndpointSlice of `family` and extracts what the rules use: the namespace and the
 * Service name label are DNS labels (they form the service port key), port names DNS labels,
 * ports 1-65535, protocols known, and every address of every endpoint parsed, of the slice's
 * family and not unspecified, loopback, link-local or multicast (the API server's
 * ValidateEndpointIP, which the trusted reconciler path and raw writes skip). One bad value skips
 * the whole slice. Slices of another family, FQDN slices and slices without the Service label
 * contribute nothing and are not checked.
 */
export function parseEndpointSlice(slice: EndpointSlice, family: IPFamily, nodeName: string, policy: AddressPolicy): ParsedSlice | InvalidObject {
  const sliceName = String(slice.metadata?.name ?? '');
  const svcName = slice.metadata?.labels?.[LABEL_SERVICE_NAME];
  if (slice.addressType !== family || !svcName) return EMPTY_SLICE(sliceName);
  const namespace = slice.metadata?.namespace ?? 'default';
  for (const [value, path] of [[namespace, 'metadata.namespace'], [svcName, `metadata.labels[${LABEL_SERVICE_NAME}]`]] as const) {
    const errs = typeof value === 'string' ? validateDNS1123Label(value, path) : [invalid(path, value, 'must be a string')];
    if (errs.length) return problem(slice, 'invalid_name', errs[0]!);
  }
  const ports: { key: string; port: number }[] = [];
  const rawPorts = slice.ports ?? [];
  if (!Array.isArray(rawPorts)) return problem(slice, 'invalid_value', invalid('ports', rawPorts, 'must be a list'));
  for (let i = 0; i < rawPorts.length; i++) {
    const p = rawPorts[i]!;
    const path = `ports[${i}]`;
    // Upstream skips a port without a number (the slice says nothing about it).
    if (p?.port === undefined || p.port === null || p.port === 0) continue;
    const portErr = isValidPortNum(p.port);
    if (portErr.length) return problem(slice, 'invalid_port', invalid(`${path}.port`, p.port, portErr[0]!));
    const protocol = p.protocol ?? 'TCP';
    if (!PROTOCOLS.includes(protocol as Protocol)) return problem(slice, 'invalid_protocol', notSupported(`${path}.protocol`, protocol, PROTOCOLS));
    const name = p.name ?? '';
    if (name !== '') {
      const errs = typeof name === 'string' ? validateDNS1123Label(name, `${path}.name`) : [invalid(`${path}.name`, name, 'must be a string')];
      if (errs.length) return problem(slice, 'invalid_name', errs[0]!);
    }
    ports.push({ key: servicePortKey({ namespace, name: svcName, port: name, protocol: protocol as Protocol }), port: p.port });
  }
  const rawEndpoints = slice.endpoints ?? [];
  if (!Array.isArray(rawEndpoints)) return problem(slice, 'invalid_value', invalid('endpoints', rawEndpoints, 'must be a list'));
  // First every address (a slice is used whole or not at all), then the infos per port.
  const ips: (string | undefined)[] = new Array<string | undefined>(rawEndpoints.length);
  for (let i = 0; i < rawEndpoints.length; i++) {
    const addresses = rawEndpoints[i]?.addresses ?? [];
    if (!Array.isArray(addresses)) return problem(slice, 'invalid_value', invalid(`endpoints[${i}].addresses`, addresses, 'must be a list'));
    for (let j = 0; j < addresses.length; j++) {
      const ip = canonicalRuleAddress(addresses[j], policy);
      if (ip === undefined) {
        const p = addressProblem(addresses[j], `endpoints[${i}].addresses[${j}]`, policy);
        return problem(slice, p.reason, p.error);
      }
      if (ipFamily(ip) !== family) return problem(slice, 'invalid_address', invalid(`endpoints[${i}].addresses[${j}]`, addresses[j], `must be an ${family} address`));
      // Upstream uses the first address only; an endpoint without one is ignored.
      if (j === 0) ips[i] = ip;
    }
  }
  return {
    name: sliceName,
    ports: ports.map((p) => ({ key: p.key, endpoints: endpointInfos(rawEndpoints, ips, p.port, nodeName) })),
  };
}

const LOCAL = 1;
const READY = 2;
const SERVING = 4;
const TERMINATING = 8;

/**
 * One endpoint as the proxier keeps it between syncs (100,000 of them at 10,000 Services x 10):
 * built field by field, so every one has the same hidden class with its fields in the object
 * (an object literal with spreads got a second, out-of-object property array), its four
 * conditions as bits of one small integer (read through getters), and its `ip:port` flat (a
 * template literal of 13+ characters is a rope of 2 nodes). `ip` and `nodeName` are the slice's
 * own strings (the store's copy); `zoneHints` is undefined without hints.
 */
class ProxyEndpoint implements EndpointInfo {
  readonly ip: string;
  readonly port: number;
  readonly endpoint: string;
  /** LOCAL | READY | SERVING | TERMINATING; also what sameEndpoints' JSON compares. */
  private readonly flags: number;
  readonly zoneHints: readonly string[] | undefined;
  readonly nodeName: string | undefined;

  constructor(ip: string, port: number, ep: Endpoint, isLocal: boolean) {
    this.ip = ip;
    this.port = port;
    const endpoint = joinHostPort(ip, port);
    endpoint.charCodeAt(0); // flattens the rope in place; the GC then drops its pieces
    this.endpoint = endpoint;
    const state = endpointState(ep);
    this.flags = (isLocal ? LOCAL : 0) | (state.ready ? READY : 0) | (state.serving ? SERVING : 0) | (state.terminating ? TERMINATING : 0);
    const zones = ep.hints?.forZones?.map((z) => z.name);
    this.zoneHints = zones && zones.length ? zones : undefined;
    this.nodeName = ep.nodeName ? ep.nodeName : undefined;
  }

  get isLocal(): boolean {
    return (this.flags & LOCAL) !== 0;
  }
  get ready(): boolean {
    return (this.flags & READY) !== 0;
  }
  get serving(): boolean {
    return (this.flags & SERVING) !== 0;
  }
  get terminating(): boolean {
    return (this.flags & TERMINATING) !== 0;
  }
}

/** The EndpointInfo of each endpoint with an address, for one target port. */
function endpointInfos(raw: NonNullable<EndpointSlice['endpoints']>, ips: readonly (string | undefined)[], port: number, nodeName: string): EndpointInfo[] {
  const out: EndpointInfo[] = [];
  for (let i = 0; i < raw.length; i++) {
    const ip = ips[i];
    if (ip === undefined) continue;
    const ep = raw[i]!;
    out.push(new ProxyEndpoint(ip, port, ep, ep.nodeName !== undefined && ep.nodeName !== null && ep.nodeName === nodeName && nodeName !== ''));
  }
  return sortedUnique(out);
}

const byEndpoint = (a: EndpointInfo, b: EndpointInfo): number => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0);

/**
 * One slice's endpoints of one port sorted by `ip:port`, one per `ip:port` as mergeSlices picks
 * them (a local copy wins, else the first), so that a Service with one slice (the common case)
 * merges into these very arrays instead of copies.
 */
function sortedUnique(list: EndpointInfo[]): EndpointInfo[] {
  list.sort(byEndpoint); // stable: equal ones stay in slice order
  let w = 0;
  for (let r = 0; r < list.length; r++) {
    const info = list[r]!;
    if (w > 0 && list[w - 1]!.endpoint === info.endpoint) {
      if (info.isLocal) list[w - 1] = info;
    } else list[w++] = info;
  }
  list.length = w;
  return list;
}

export function isParsedSlice(r: ParsedSlice | InvalidObject): r is ParsedSlice {
  return (r as ParsedSlice).ports !== undefined;
}

/**
 * Merges the checked slices of one Service into endpoints per service port (upstream
 * endpointSliceCache.endpointInfoByServicePort): duplicates across slices collapse (a local copy
 * wins), slices are taken in name order and each list is sorted by `ip:port`, so output is stable.
 */
export function mergeSlices(slices: Iterable<ParsedSlice>): Map<string, EndpointInfo[]> {
  const sorted = [...slices].sort((a, b) => a.name.localeCompare(b.name));
  if (sorted.length === 1) {
    // One slice: its lists are already sorted and unique (sortedUnique); shared, not copied,
    // unless two of its ports have the same key (then merged below).
    const out = new Map<string, EndpointInfo[]>();
    for (const p of sorted[0]!.ports) {
      if (out.has(p.key)) return mergeSorted(sorted);
      out.set(p.key, p.endpoints as EndpointInfo[]);
    }
    for (const [k, list] of out) if (!list.length) out.delete(k);
    return out;
  }
  return mergeSorted(sorted);
}

function mergeSorted(sorted: readonly ParsedSlice[]): Map<string, EndpointInfo[]> {
  const byPort = new Map<string, Map<string, EndpointInfo>>();
  for (const slice of sorted) {
    for (const p of slice.ports) {
      let set = byPort.get(p.key);
      if (!set) byPort.set(p.key, (set = new Map()));
      for (const info of p.endpoints) if (!set.has(info.endpoint) || info.isLocal) set.set(info.endpoint, info);
    }
  }
  const out = new Map<string, EndpointInfo[]>();
  for (const [k, set] of byPort) {
    const list = [...set.values()].sort(byEndpoint);
    if (list.length) out.set(k, list);
  }
  return out;
}

/**
 * All EndpointSlices of one Service merged into endpoints per service port: each slice checked
 * with parseEndpointSlice (an invalid slice contributes nothing; `onInvalid` hears why), then
 * merged with mergeSlices.
 */
export function endpointsFromSlices(
  slices: Iterable<EndpointSlice>,
  family: IPFamily,
  nodeName: string,
  policy: AddressPolicy = STRICT_ADDRESSES,
  onInvalid?: (problem: InvalidObject) => void,
): Map<string, EndpointInfo[]> {
  const parsed: ParsedSlice[] = [];
  for (const slice of slices) {
    const r = parseEndpointSlice(slice, family, nodeName, policy);
    if (isParsedSlice(r)) parsed.push(r);
    else onInvalid?.(r);
  }
  return mergeSlices(parsed);
}
