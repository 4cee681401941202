import { InvalidObjectError, objectKey, type Service } from '@svcnet/model';
import { SharedInformerFactory, isStoreError, type Fence, type Informer, type Store } from '@svcnet/store';
import { assignedAddresses, planLoadBalancers } from './loadBalancerPlan.js';

/** Who may write: a lease campaigner (@svcnet/store's LeaderElector), asked before each pass. */
export interface LoadBalancerLease {
  readonly isLeader: boolean;
  readonly fence: Fence | undefined;
  /** Called when a fenced write was refused: someone else leads now. */
  lose(): void;
}

export interface LoadBalancerControllerOptions {
  /** The process's shared informers (the agent's); without it, the controller builds its own on its store. */
  informers?: SharedInformerFactory;
  /** Address pools (CIDRs or first-last ranges), as MetalLB's IPAddressPool. */
  pools: readonly string[];
  /**
   * The lease this controller runs under (many agents: one writer, every write fenced). Without
   * one it always acts and writes unfenced: for a process that is the only writer of its store
   * (the dashboard's in-memory demo).
   */
  elector?: LoadBalancerLease;
  /**
   * Told after each pass the addresses this process must hold: every assigned one while leading,
   * none otherwise (svcnet-agent adds them to its interface, MetalLB's layer-2 mode). Optional:
   * allocation alone announces nothing.
   */
  onAddresses?: (addresses: string[]) => Promise<void>;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

/**
 * The allocation half of the bare-metal service controller (upstream: the cloud provider's service
 * controller, MetalLB's controller): watches Services always (so a new leader starts from a full
 * view), and while leading writes status.loadBalancer.ingress, with the lease's fence, from the
 * pools (see planLoadBalancers). Announcing the addresses is the caller's (onAddresses).
 */
export class LoadBalancerController {
  private informer: Informer<Service> | undefined;
  private ownFactory: SharedInformerFactory | undefined;
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
    if (!this.o.informers) this.ownFactory = new SharedInformerFactory(this.store);
    const informers = this.o.informers ?? this.ownFactory!;
    this.informer = informers.informer('Service', { onError: (e) => this.o.log.warn({ err: e.message }, 'loadbalancer controller: watch error') });
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
    if (!this.o.elector) this.kick();
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

  private get leading(): boolean {
    return this.o.elector ? this.o.elector.isLeader && this.o.elector.fence !== undefined : true;
  }

  private async pass(): Promise<void> {
    const elector = this.o.elector;
    const fence = elector?.fence;
    if (!this.leading) {
      await this.o.onAddresses?.([]);
      return;
    }
    const { changes, problems } = planLoadBalancers([...this.relevant.values()], this.o.pools);
    for (const p of problems) this.o.log.warn({ service: p.key }, p.message);
    for (const c of changes) {
      const [ns, name] = c.key.split('/') as [string, string];
      const cur = await this.store.get('Service', ns, name);
      if (!cur) continue;
      try {
        await this.store.updateStatus({ ...cur, kind: 'Service', status: { ...cur.status, loadBalancer: c.ingress.length ? { ingress: c.ingress } : {} } }, fence ? { fence } : {});
        this.o.log.info({ service: c.key, ingress: c.ingress.map((i) => i.ip) }, c.ingress.length ? 'loadbalancer: address assigned' : 'loadbalancer: address released');
      } catch (e) {
        if (isStoreError(e, 'Fenced')) {
          elector?.lose();
          await this.o.onAddresses?.([]);
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
    const addresses = assignedAddresses(this.relevant.values(), this.o.pools);
    this.allocated = addresses.length;
    await this.o.onAddresses?.(this.leading ? addresses : []);
  }

  /** Resolves when the queued passes are done (tests). */
  idle(): Promise<void> {
    return this.pending;
  }

  stop(): void {
    this.informer?.stop();
    this.ownFactory?.stop();
  }
}
