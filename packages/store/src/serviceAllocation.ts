import type { Service } from '@svcnet/model';
import { allocateService, allocationsOf, type AllocatorConfig, type Allocations, type UsedResources } from './admission.js';

/**
 * The Service registry's allocation step (pkg/registry/core/service/storage): on create, allocate; on
 * update, keep what the old object held unless the new one no longer needs it (NodePort -> ClusterIP
 * releases node ports), allocate what is new; on delete, release everything.
 */
export interface AllocationPlan {
  service: Service;
  claim: Allocations;
  release: Allocations;
}

const none = (): Allocations => ({ ips: [], nodePorts: [] });

/**
 * `base` without `removed`, as a read-only view: membership is answered without copying `base`
 * (an update would otherwise copy every address in the cluster); the copy is made only when the
 * view is iterated, and then once.
 */
class SetWithout<T> implements ReadonlySet<T> {
  private copy: Set<T> | undefined;

  constructor(
    private readonly base: ReadonlySet<T>,
    private readonly removed: ReadonlySet<T>,
  ) {}

  has(value: T): boolean {
    return this.base.has(value) && !this.removed.has(value);
  }

  get size(): number {
    return this.all().size;
  }

  private all(): Set<T> {
    if (!this.copy) {
      this.copy = new Set<T>();
      for (const v of this.base) if (!this.removed.has(v)) this.copy.add(v);
    }
    return this.copy;
  }

  values() {
    return this.all().values();
  }

  keys() {
    return this.all().keys();
  }

  entries() {
    return this.all().entries();
  }

  [Symbol.iterator]() {
    return this.all()[Symbol.iterator]();
  }

  forEach(callback: (value: T, key: T, set: ReadonlySet<T>) => void, thisArg?: unknown): void {
    for (const v of this.all()) callback.call(thisArg, v, v, this);
  }
}

/** Allocation for a create (`old` undefined) or an update; throws InvalidObjectError when refused. */
export function planServiceAllocation(
  next: Service,
  old: Service | undefined,
  used: UsedResources,
  config: AllocatorConfig,
): AllocationPlan {
  const held = old ? allocationsOf(old) : none();
  // The object's own holdings are free to it: requesting what it already has is no conflict.
  const heldIPs = new Set(held.ips);
  const heldPorts = new Set(held.nodePorts);
  const others: UsedResources = {
    ips: heldIPs.size ? new SetWithout(used.ips, heldIPs) : used.ips,
    nodePorts: heldPorts.size ? new SetWithout(used.nodePorts, heldPorts) : used.nodePorts,
  };
  const service = allocateService(next, others, config);
  const now = allocationsOf(service);
  return { service, claim: minus(now, held), release: minus(held, now) };
}

export function planServiceRelease(old: Service): Allocations {
  return allocationsOf(old);
}

function minus(a: Allocations, b: Allocations): Allocations {
  const ips = new Set(b.ips);
  const ports = new Set(b.nodePorts);
  return { ips: a.ips.filter((ip) => !ips.has(ip)), nodePorts: a.nodePorts.filter((p) => !ports.has(p)) };
}

export function isEmpty(a: Allocations): boolean {
  return a.ips.length === 0 && a.nodePorts.length === 0;
}

/** A trusted write (a mirror of a real API server) keeps its addresses as given; the books follow it. */
export function planTrusted(next: Service, old: Service | undefined): AllocationPlan {
  const held = old ? allocationsOf(old) : none();
  const now = allocationsOf(next);
  return { service: next, claim: minus(now, held), release: minus(held, now) };
}
