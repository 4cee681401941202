import { invalid, isValidPortNum, notSupported, validateDNS1123Label, type EndpointSlice, LABEL_SERVICE_NAME, endpointState, objectKey, joinHostPort, ipFamily } from '@svcnet/model';
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

/** The EndpointInfo of each endpoint with an address, for one target port. */
function endpointInfos(raw: NonNullable<EndpointSlice['endpoints']>, ips: readonly (string | undefined)[], port: number, nodeName: string): EndpointInfo[] {
  const out: EndpointInfo[] = [];
  for (let i = 0; i < raw.length; i++) {
    const ip = ips[i];
    if (ip === undefined) continue;
    const ep = raw[i]!;
    const zones = ep.hints?.forZones?.map((z) => z.name);
    out.push({
      ip,
      port,
      endpoint: joinHostPort(ip, port),
      isLocal: ep.nodeName !== undefined && ep.nodeName !== null && ep.nodeName === nodeName && nodeName !== '',
      ...endpointState(ep),
      ...(zones && zones.length ? { zoneHints: zones } : {}),
      ...(ep.nodeName ? { nodeName: ep.nodeName } : {}),
    });
  }
  return out;
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
  const byPort = new Map<string, Map<string, EndpointInfo>>();
  const sorted = [...slices].sort((a, b) => a.name.localeCompare(b.name));
  for (const slice of sorted) {
    for (const p of slice.ports) {
      let set = byPort.get(p.key);
      if (!set) byPort.set(p.key, (set = new Map()));
      for (const info of p.endpoints) if (!set.has(info.endpoint) || info.isLocal) set.set(info.endpoint, info);
    }
  }
  const out = new Map<string, EndpointInfo[]>();
  for (const [k, set] of byPort) {
    const list = [...set.values()].sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
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
