// ValidateNode's networking part: metadata, podCIDRs (valid, at most one per family) and addresses.
import type { Node } from 'kubernetes-types/core/v1.js';
import { FieldPath, duplicate, invalid, type FieldError } from '../fieldErrors.js';
import { isDualStackCIDRs, isValidCIDR, isValidIP } from './ipRules.js';
import { nameIsDNSSubdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './objectMeta.js';

const IP_ADDRESS_TYPES = new Set(['InternalIP', 'ExternalIP']);

export function validateNode(node: Node, old?: Node): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(node.metadata, old.metadata) : [];
  errs.push(...validateObjectMeta(node.metadata, false, nameIsDNSSubdomain, 'metadata'));
  const podCIDRs = Array.isArray(node.spec?.podCIDRs) ? node.spec.podCIDRs : [];
  const cp = FieldPath.root('spec').child('podCIDRs');
  podCIDRs.forEach((c, i) => errs.push(...isValidCIDR(cp.index(i), c)));
  if (podCIDRs.length > 1 && (!isDualStackCIDRs(podCIDRs) || podCIDRs.length > 2)) {
    errs.push(invalid(cp, podCIDRs, 'may specify no more than one CIDR for each IP family'));
  }
  const ap = FieldPath.root('status').child('addresses');
  const seen = new Set<string>();
  (Array.isArray(node.status?.addresses) ? node.status.addresses : []).forEach((a, i) => {
    const key = `${a?.type}/${a?.address}`;
    if (seen.has(key)) errs.push(duplicate(ap.index(i), a));
    seen.add(key);
    // svcnet addition: the proxy and NodePort rules use these as addresses, so they must be IPs.
    if (IP_ADDRESS_TYPES.has(a?.type)) errs.push(...isValidIP(ap.index(i).child('address'), a.address));
  });
  return errs;
}
