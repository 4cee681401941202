import { InvalidObjectError, objectKey, type Service } from '@svcnet/model';
import { isStoreError, listAndWatch, type Informer, type Store } from '@svcnet/store';
import type { LeaderElector } from './leaderElector.js';
import { announcedAddresses, planLoadBalancers } from './loadBalancerPlan.js';

export interface LoadBalancerControllerOptions {
  pools: readonly string[];
  elector: LeaderElector;
  /** Told the addresses this node must hold (all of them while leading, none otherwise). */
  announce: (addresses: string[]) => Promise<void>;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

/**
 * The shell of the bare-metal service controller: watches Services always (so a new leader starts
 * from a full view), and while leading writes status.loadBalancer.ingress with the lease's fence and
 * announces the addresses on this node (MetalLB's layer-2 mode, one speaker for all).
 */
export class LoadBalancerController {
  private informer: Informer<Service> | undefined;
  /** Services that are or were LoadBalancers: the only ones planning looks at. */
  private readonly relevant = new Map<string, Service>();
  private pending: Promise<void> = Promise.resolve();
  private queued = false;
  allocated = 0;

  constructor(
    private readonly store: Store,
    private readonly o: LoadBalancerControllerOptions,
  ) {}

  async start(): Promise<void> {
    this.informer = listAndWatch(this.store, 'Service', { onError: (e) => this.o.log.warn({ err: e.message }, 'loadbalancer controller: watch error') });
    this.informer.on((e) => {
      const key = objectKey(e.object);
      const svc = e.object;
      if (e.type === 'DELETED') this.relevant.delete(key);
      else if (svc.spec?.type === 'LoadBalancer' || svc.status?.loadBalancer?.ingress?.length) this.relevant.set(key, svc);
      else if (!this.relevant.delete(key)) return;
      this.kick();
    });
    await this.informer.synced;
    for (const s of this.informer.list()) if (s.spec?.type === 'LoadBalancer' || s.status?.loadBalancer?.ingress?.length) this.relevant.set(objectKey(s), s);
  }

  /** Leadership changed or a Service did: plan again (coalesced, one pass at a time). */
  kick(): void {
    if (this.queued) return;
    this.queued = true;
    this.pending = this.pending.then(async () => {
      this.queued = false;
      await this.pass().catch((e: Error) => this.o.log.warn({ err: e.message }, 'loadbalancer controller: pass failed; retrying on the next change'));
    });
  }

  private async pass(): Promise<void> {
    const fence = this.o.elector.fence;
    if (!this.o.elector.isLeader || !fence) {
      await this.o.announce([]);
      return;
    }
    const { changes, problems } = planLoadBalancers([...this.relevant.values()], this.o.pools);
    for (const p of problems) this.o.log.warn({ service: p.key }, p.message);
    for (const c of changes) {
      const [ns, name] = c.key.split('/') as [string, string];
      const cur = await this.store.get('Service', ns, name);
      if (!cur) continue;
      try {
        await this.store.updateStatus({ ...cur, kind: 'Service', status: { ...cur.status, loadBalancer: c.ingress.length ? { ingress: c.ingress } : {} } }, { fence });
        this.o.log.info({ service: c.key, ingress: c.ingress.map((i) => i.ip) }, c.ingress.length ? 'loadbalancer: address assigned' : 'loadbalancer: address released');
      } catch (e) {
        if (isStoreError(e, 'Fenced')) {
          this.o.elector.lose();
          await this.o.announce([]);
          return;
        }
        // A status the store refuses (an address from a misconfigured pool that is loopback or
        // link-local, a Service that stopped being a LoadBalancer meanwhile): that Service is
        // reported and skipped, the others still get theirs.
        if (e instanceof InvalidObjectError) {
          this.o.log.warn({ service: c.key, err: e.message }, 'loadbalancer: status refused by the store');
          continue;
        }
        if (!isStoreError(e, 'Conflict') && !isStoreError(e, 'NotFound')) throw e;
      }
    }
    const addresses = announcedAddresses(this.relevant.values(), this.o.pools);
    this.allocated = addresses.length;
    await this.o.announce(this.o.elector.isLeader ? addresses : []);
  }

  /** Resolves when the queued passes are done (tests). */
  idle(): Promise<void> {
    return this.pending;
  }

  stop(): void {
    this.informer?.stop();
  }
}
