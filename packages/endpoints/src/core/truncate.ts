import type { EndpointSubset } from '@svcnet/model';
import { ANNOTATION_OVER_CAPACITY } from '@svcnet/model';
import { MAX_ENDPOINTS_CAPACITY } from './constants.js';

/**
 * truncateEndpoints (endpoints_controller.go): when an Endpoints object would hold more than
 * `max` addresses, keep ready addresses first and share the room among subsets in proportion to
 * their size (rounded up, the last subset getting what is left). Returns new subsets, or undefined
 * when no truncation was needed.
 */
export function truncateSubsets(subsets: readonly EndpointSubset[], max = MAX_ENDPOINTS_CAPACITY): EndpointSubset[] | undefined {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const s of subsets) {
    totalReady += s.addresses?.length ?? 0;
    totalNotReady += s.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= max) return undefined;

  let truncateReady = false;
  let room = max - totalReady;
  let numTotal = totalNotReady;
  if (totalReady > max) {
    truncateReady = true;
    room = max;
    numTotal = totalReady;
  }
  let canBeAdded = room;
  return subsets.map((subset) => {
    const numInSubset = truncateReady ? subset.addresses?.length ?? 0 : subset.notReadyAddresses?.length ?? 0;
    let toBeAdded = Math.ceil((numInSubset / numTotal) * room);
    if (toBeAdded > canBeAdded) toBeAdded = canBeAdded;
    const out: EndpointSubset = { ...subset };
    if (truncateReady) {
      out.addresses = (subset.addresses ?? []).slice(0, toBeAdded);
      out.notReadyAddresses = [];
      canBeAdded -= out.addresses.length;
    } else {
      out.notReadyAddresses = (subset.notReadyAddresses ?? []).slice(0, toBeAdded);
      canBeAdded -= out.notReadyAddresses.length;
    }
    return out;
  });
}

/**
 * capacityAnnotationSetCorrectly: false when the subsets hold more than the cap (they must be
 * truncated) or when under the cap the over-capacity annotation is still present.
 */
export function capacityAnnotationSetCorrectly(
  annotations: Readonly<Record<string, string>> | undefined,
  subsets: readonly EndpointSubset[] | undefined,
  max = MAX_ENDPOINTS_CAPACITY,
): boolean {
  let n = 0;
  for (const s of subsets ?? []) n += (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0);
  if (n > max) return false;
  return !(annotations && Object.prototype.hasOwnProperty.call(annotations, ANNOTATION_OVER_CAPACITY));
}
