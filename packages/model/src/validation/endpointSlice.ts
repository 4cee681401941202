// ValidateEndpointSlice (pkg/apis/discovery/validation/validation.go).
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { FieldPath, duplicate, invalid, notSupported, required, tooMany, type FieldError } from '../fieldErrors.js';
import { sliceAddressErrors } from './endpointAddresses.js';
import { isOrdinaryIPOfFamily } from './ipRules.js';
import { isDNS1123Label, isDNS1123Subdomain, isValidLabelValue, isValidPortNum, nameIsDNSSubdomain } from './names.js';
import { validateDNS1123Label, validateLabels, validateObjectMeta, validateObjectMetaUpdate, validateQualifiedName } from './objectMeta.js';
import { SUPPORTED_PORT_PROTOCOLS } from './service.js';

export const MAX_ENDPOINTS_PER_SLICE = 1000;
export const MAX_PORTS_PER_SLICE = 100;
export const MAX_ADDRESSES_PER_ENDPOINT = 100;
const MAX_TOPOLOGY_LABELS = 16;
const MAX_ZONE_HINTS = 8;
const SUPPORTED_ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];

const arr = <T>(v: T[] | undefined | null): T[] => (Array.isArray(v) ? v : []);

/** IsFullyQualifiedDomainName: a DNS subdomain of at least two labels, an optional trailing dot. */
function isFullyQualifiedDomainName(path: FieldPath, value: unknown): FieldError[] {
  if (typeof value !== 'string' || value.length === 0) return [required(path)];
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const sub = isDNS1123Subdomain(name);
  if (sub.length) return [invalid(path, name, sub.join(','))];
  const labels = name.split('.');
  if (labels.length < 2) return [invalid(path, name, 'should be a domain with at least two segments separated by dots')];
  for (const label of labels) {
    const e = isDNS1123Label(label);
    if (e.length) return [invalid(path, label, e.join(','))];
  }
  return [];
}

function validateEndpoint(ep: Endpoint, addressType: string | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const addrPath = path.child('addresses');
  const addresses = arr(ep?.addresses);
  if (addresses.length === 0) errs.push(required(addrPath, 'must contain at least 1 address'));
  else if (addresses.length > MAX_ADDRESSES_PER_ENDPOINT) errs.push(tooMany(addrPath, addresses.length, MAX_ADDRESSES_PER_ENDPOINT));
  addresses.forEach((a, i) => {
    // The common case, a valid ordinary address, needs no field path.
    if ((addressType === 'IPv4' || addressType === 'IPv6') && isOrdinaryIPOfFamily(a, addressType)) return;
    const p = addrPath.index(i);
    // Unknown address types fall through unvalidated (their error is on addressType).
    if (addressType === 'IPv4' || addressType === 'IPv6') {
      errs.push(...sliceAddressErrors(p, a, addressType));
    } else if (addressType === 'FQDN') {
      errs.push(...isFullyQualifiedDomainName(p, a));
    }
  });
  if (ep?.nodeName !== undefined && ep.nodeName !== null) {
    for (const m of nameIsDNSSubdomain(ep.nodeName, false)) errs.push(invalid(path.child('nodeName'), ep.nodeName, m));
  }
  const topo = ep?.deprecatedTopology;
  if (topo && typeof topo === 'object') {
    const tp = path.child('deprecatedTopology');
    if (Object.keys(topo).length > MAX_TOPOLOGY_LABELS) errs.push(tooMany(tp, Object.keys(topo).length, MAX_TOPOLOGY_LABELS));
    errs.push(...validateLabels(topo, tp));
  }
  if (ep?.hostname !== undefined && ep.hostname !== null) errs.push(...validateDNS1123Label(ep.hostname, path.child('hostname')));
  const zones = arr(ep?.hints?.forZones);
  if (ep?.hints) {
    const fz = path.child('hints', 'forZones');
    if (zones.length > MAX_ZONE_HINTS) errs.push(tooMany(fz, zones.length, MAX_ZONE_HINTS));
    else {
      const seen = new Set<string>();
      zones.forEach((z, i) => {
        const zp = fz.index(i).child('name');
        const name = String(z?.name ?? '');
        if (seen.has(name)) errs.push(duplicate(zp, name));
        seen.add(name);
        for (const m of isValidLabelValue(name)) errs.push(invalid(zp, name, m));
      });
    }
  }
  return errs;
}

function validatePorts(ports: EndpointPort[], path: FieldPath): FieldError[] {
  if (ports.length > MAX_PORTS_PER_SLICE) return [tooMany(path, ports.length, MAX_PORTS_PER_SLICE)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const ip = path.index(i);
    const name = p?.name ?? '';
    if (name) errs.push(...validateDNS1123Label(name, ip.child('name')));
    if (names.has(name)) errs.push(duplicate(ip.child('name'), name));
    names.add(name);
    // svcnet addition: a port that is present must be a port number (upstream relies on the int32 type and consumers).
    if (p?.port !== undefined && p.port !== null) for (const m of isValidPortNum(p.port)) errs.push(invalid(ip.child('port'), p.port, m));
    if (!p?.protocol) errs.push(required(ip.child('protocol')));
    else if (!SUPPORTED_PORT_PROTOCOLS.includes(p.protocol)) errs.push(notSupported(ip.child('protocol'), p.protocol, SUPPORTED_PORT_PROTOCOLS));
    if (p?.appProtocol !== undefined && p.appProtocol !== null) errs.push(...validateQualifiedName(p.appProtocol, ip.child('appProtocol')));
  });
  return errs;
}

/** ValidateEndpointSlice on create; on update (with `old`) addressType is also immutable. */
export function validateEndpointSlice(slice: EndpointSlice, old?: EndpointSlice): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(slice.metadata, old.metadata) : [];
  errs.push(...validateObjectMeta(slice.metadata, true, nameIsDNSSubdomain, 'metadata'));
  const at = slice.addressType;
  if (!at) errs.push(required('addressType'));
  else if (!SUPPORTED_ADDRESS_TYPES.includes(at)) errs.push(notSupported('addressType', at, SUPPORTED_ADDRESS_TYPES));
  const endpoints = arr(slice.endpoints);
  const epPath = FieldPath.root('endpoints');
  if (endpoints.length > MAX_ENDPOINTS_PER_SLICE) errs.push(tooMany(epPath, endpoints.length, MAX_ENDPOINTS_PER_SLICE));
  else endpoints.forEach((ep, i) => errs.push(...validateEndpoint(ep, at, epPath.index(i))));
  errs.push(...validatePorts(arr(slice.ports), FieldPath.root('ports')));
  if (old && old.addressType !== slice.addressType) errs.push(invalid('addressType', slice.addressType ?? '', 'field is immutable'));
  return errs;
}
