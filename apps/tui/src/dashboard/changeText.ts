import type { EndpointSlice } from '@svcnet/model';
import { isEndpointReady } from '@svcnet/model';

/** Each endpoint address of a slice with its readiness (ready unless the condition says false, as kube-proxy reads it). */
function readiness(slice: EndpointSlice | undefined): Map<string, boolean> {
  const m = new Map<string, boolean>();
  for (const ep of slice?.endpoints ?? []) for (const a of ep.addresses ?? []) m.set(a, isEndpointReady(ep));
  return m;
}

/**
 * What changed in an EndpointSlice, in the words k9s users expect: `endpoint 10.244.1.4 not ready`,
 * `endpoint 10.244.2.7 added (ready)`, `endpoint 10.244.0.3 removed`; a few at most, then a count.
 */
export function describeSliceChange(type: 'ADDED' | 'MODIFIED' | 'DELETED', slice: EndpointSlice, old?: EndpointSlice): string {
  const before = type === 'ADDED' ? new Map<string, boolean>() : readiness(type === 'DELETED' ? slice : old);
  const after = type === 'DELETED' ? new Map<string, boolean>() : readiness(slice);
  const parts: string[] = [];
  for (const [ip, ready] of after) {
    const was = before.get(ip);
    if (was === undefined) parts.push(`endpoint ${ip} added (${ready ? 'ready' : 'not ready'})`);
    else if (was !== ready) parts.push(`endpoint ${ip} ${ready ? 'ready' : 'not ready'}`);
  }
  for (const ip of before.keys()) if (!after.has(ip)) parts.push(`endpoint ${ip} removed`);
  if (parts.length === 0) return `EndpointSlice ${type.toLowerCase()}${type === 'MODIFIED' ? ' (no endpoint changed)' : ''}`;
  const shown = parts.slice(0, 3).join(', ');
  return parts.length > 3 ? `${shown} and ${parts.length - 3} more` : shown;
}
