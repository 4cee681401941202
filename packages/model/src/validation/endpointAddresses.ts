// The address rules of ValidateEndpointSlice and ValidateEndpoints alone, for writers that skip
// admission (the store's `trusted` writes: the endpoints reconciler, a mirror of a real API server).
// Upstream runs these rules on every EndpointSlice and Endpoints write, the controllers' included:
// an address in the loopback, link-local or unspecified range would make every node forward Service
// traffic to itself (its localhost-only ports, its metadata service).
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { FieldPath, type FieldError } from '../fieldErrors.js';
import type { ObjectInput } from '../defaults/setDefaults.js';
import { isOrdinaryIPOfFamily, isValidIP, isValidIPv4Address, isValidIPv6Address, validateNonSpecialIP } from './ipRules.js';

const arr = <T>(v: T[] | undefined | null): T[] => (Array.isArray(v) ? v : []);

/** ValidateEndpointSlice's rule for one address of an IPv4 or IPv6 slice (errors only when it fails). */
export function sliceAddressErrors(path: FieldPath, value: unknown, family: 'IPv4' | 'IPv6'): FieldError[] {
  const errs = family === 'IPv4' ? isValidIPv4Address(path, value) : isValidIPv6Address(path, value);
  return errs.length ? errs : validateNonSpecialIP(path, value);
}

/**
 * The address errors of an EndpointSlice or Endpoints (empty for other kinds and when all is well).
 * Cheap enough for every trusted write: one pass over the addresses, no field path unless one
 * fails, and no other field looked at. Malformed lists are skipped, not thrown on.
 */
export function validateEndpointAddresses(input: ObjectInput): FieldError[] {
  const obj = input as { kind?: unknown };
  if (obj?.kind === 'EndpointSlice') return sliceErrors(obj as EndpointSlice);
  if (obj?.kind === 'Endpoints') return endpointsErrors(obj as Endpoints);
  return [];
}

function sliceErrors(slice: EndpointSlice): FieldError[] {
  const family = slice.addressType;
  // FQDN (and unknown) address types hold no IP addresses; their own validation is admission's.
  if (family !== 'IPv4' && family !== 'IPv6') return [];
  let errs: FieldError[] | undefined;
  const endpoints = arr(slice.endpoints);
  for (let i = 0; i < endpoints.length; i++) {
    const addresses = arr(endpoints[i]?.addresses);
    for (let j = 0; j < addresses.length; j++) {
      if (isOrdinaryIPOfFamily(addresses[j], family)) continue;
      const path = FieldPath.root('endpoints').index(i).child('addresses').index(j);
      (errs ??= []).push(...sliceAddressErrors(path, addresses[j], family));
    }
  }
  return errs ?? [];
}

function endpointsErrors(ep: Endpoints): FieldError[] {
  let errs: FieldError[] | undefined;
  const subsets = arr(ep.subsets);
  for (let i = 0; i < subsets.length; i++) {
    for (const list of ['addresses', 'notReadyAddresses'] as const) {
      const addresses = arr(subsets[i]?.[list]);
      for (let j = 0; j < addresses.length; j++) {
        const ip = addresses[j]?.ip;
        if (isOrdinaryIPOfFamily(ip, 'IPv4') || isOrdinaryIPOfFamily(ip, 'IPv6')) continue;
        // validateEndpointAddress's two checks, as upstream words them.
        const path = FieldPath.root('subsets').index(i).child(list).index(j).child('ip');
        (errs ??= []).push(...isValidIP(path, ip), ...validateNonSpecialIP(path, ip));
      }
    }
  }
  return errs ?? [];
}
