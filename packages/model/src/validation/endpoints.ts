// ValidateEndpoints (pkg/apis/core/validation/validation.go): subsets need addresses, every address is a
// valid, non-special IP, ports are named when there are several and use TCP/UDP/SCTP.
import type { EndpointAddress, EndpointPort, Endpoints } from 'kubernetes-types/core/v1.js';
import { FieldPath, invalid, notSupported, required, type FieldError } from '../fieldErrors.js';
import { isValidIP, validateNonSpecialIP } from './ipRules.js';
import { isValidPortNum, nameIsDNSSubdomain } from './names.js';
import { validateDNS1123Label, validateObjectMeta, validateObjectMetaUpdate, validateQualifiedName } from './objectMeta.js';
import { SUPPORTED_PORT_PROTOCOLS } from './service.js';

const arr = <T>(v: T[] | undefined | null): T[] => (Array.isArray(v) ? v : []);

function validateEndpointAddress(a: EndpointAddress, path: FieldPath): FieldError[] {
  const errs = isValidIP(path.child('ip'), a?.ip);
  if (a?.hostname) errs.push(...validateDNS1123Label(a.hostname, path.child('hostname')));
  if (a?.nodeName !== undefined && a.nodeName !== null) {
    for (const m of nameIsDNSSubdomain(a.nodeName, false)) errs.push(invalid(path.child('nodeName'), a.nodeName, m));
  }
  errs.push(...validateNonSpecialIP(path.child('ip'), a?.ip));
  return errs;
}

function validateEndpointPort(p: EndpointPort, requireName: boolean, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !p?.name) errs.push(required(path.child('name')));
  else if (p?.name) errs.push(...validateDNS1123Label(p.name, path.child('name')));
  for (const m of isValidPortNum(p?.port ?? 0)) errs.push(invalid(path.child('port'), p?.port ?? 0, m));
  if (!p?.protocol) errs.push(required(path.child('protocol')));
  else if (!SUPPORTED_PORT_PROTOCOLS.includes(p.protocol)) errs.push(notSupported(path.child('protocol'), p.protocol, SUPPORTED_PORT_PROTOCOLS));
  if (p?.appProtocol !== undefined && p.appProtocol !== null) errs.push(...validateQualifiedName(p.appProtocol, path.child('appProtocol')));
  return errs;
}

/** ValidateEndpoints (create), plus ValidateObjectMetaUpdate when `old` is given. */
export function validateEndpoints(ep: Endpoints, old?: Endpoints): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(ep.metadata, old.metadata) : [];
  errs.push(...validateObjectMeta(ep.metadata, true, nameIsDNSSubdomain, 'metadata'));
  const subsets = FieldPath.root('subsets');
  arr(ep.subsets).forEach((ss, i) => {
    const p = subsets.index(i);
    if (arr(ss?.addresses).length === 0 && arr(ss?.notReadyAddresses).length === 0) {
      errs.push(required(p, 'must specify `addresses` or `notReadyAddresses`'));
    }
    arr(ss?.addresses).forEach((a, j) => errs.push(...validateEndpointAddress(a, p.child('addresses').index(j))));
    arr(ss?.notReadyAddresses).forEach((a, j) => errs.push(...validateEndpointAddress(a, p.child('notReadyAddresses').index(j))));
    const ports = arr(ss?.ports);
    ports.forEach((port, j) => errs.push(...validateEndpointPort(port, ports.length > 1, p.child('ports').index(j))));
  });
  return errs;
}
