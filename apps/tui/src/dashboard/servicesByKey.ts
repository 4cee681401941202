import type { Service } from '@svcnet/model';

const serviceIndexes = new WeakMap<readonly Service[], ReadonlyMap<string, Service>>();

/**
 * Services by "namespace/name", built once per snapshot's services array (a new array whenever a
 * Service changes): a detail pane redrawn on every key no longer scans 10,000 Services for its one.
 */
export function servicesByKey(services: readonly Service[]): ReadonlyMap<string, Service> {
  let index = serviceIndexes.get(services);
  if (!index) {
    const m = new Map<string, Service>();
    // The first of equal keys wins, as the Array.find this replaces.
    for (const svc of services) {
      const key = `${svc.metadata?.namespace ?? 'default'}/${svc.metadata?.name}`;
      if (!m.has(key)) m.set(key, svc);
    }
    serviceIndexes.set(services, (index = m));
  }
  return index;
}
