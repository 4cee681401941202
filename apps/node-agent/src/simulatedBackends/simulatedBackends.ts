import { cidrContains, isSimulatedPod, objectKey, type EndpointSlice, type Pod, ipFamily } from '@svcnet/model';
import type { Exec } from '@svcnet/proxy';
import { SharedInformerFactory, type SharedInformer, type Store } from '@svcnet/store';
import type { Logger } from 'pino';
import { ANNOUNCED_ADDRESS_METRIC, announcedAddresses } from '../controllers/addressAnnouncer.js';
import { EchoServer } from './echoServer.js';

/** Where the simulated Pods' addresses go: loopback, so they are this machine's and reach no link. */
const DEVICE = 'lo';
/**
 * How long a gone Pod's address stays on this machine: rules or listeners that still point at it
 * (a sync has not run yet, the agent's rules left in place) find a local address that refuses,
 * never an address routed off the machine.
 */
export const RELEASE_GRACE_MS = 10_000;

interface Backend {
  ip: string;
  addressed: boolean;
  servers: Map<string, EchoServer>;
  failed: Set<string>;
}

interface Wanted {
  ip: string;
  ports: Set<string>;
}

/**
 * `--simulate-backends`: makes the simulated Pods of this node answer. Each gets its address on this
 * machine (loopback, in the agent's own network namespace; marked as every address the agent adds,
 * so --cleanup removes it) and a tiny echo server on each port its EndpointSlices name, which says
 * which Pod served the request. A Pod counts as backed once its address is here: from then on the
 * data planes of this agent use its endpoints (and only this agent's: on another machine the
 * address is still nowhere). Follows the Pods as they come, go and flap; IPv4 Pods only.
 */
export class SimulatedBackends {
  private pods: SharedInformer<Pod> | undefined;
  private slices: SharedInformer<EndpointSlice> | undefined;
  private ownFactory: SharedInformerFactory | undefined;
  private readonly backends = new Map<string, Backend>();
  private readonly releases = new Map<string, NodeJS.Timeout>();
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly addFailures = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly o: { node: string; clusterCIDRs: readonly string[]; exec: Exec; log: Logger; onChange: (podKey: string) => void; informers?: SharedInformerFactory },
  ) {}

  /** Whether this Pod's address is on this machine with its servers (the data planes may use it). */
  isBacked(pod: Pod): boolean {
    const b = this.backends.get(objectKey(pod));
    return b !== undefined && b.addressed && b.ip === podIP(pod);
  }

  async start(): Promise<void> {
    const onError = (e: Error) => this.o.log.warn({ err: e.message }, 'simulated backends: watch error');
    if (!this.o.informers) this.ownFactory = new SharedInformerFactory(this.store);
    const informers = this.o.informers ?? this.ownFactory!;
    this.pods = informers.informer('Pod', { onError });
    this.slices = informers.informer('EndpointSlice', { onError });
    this.pods.on(() => this.schedule());
    this.slices.on(() => this.schedule());
    await Promise.all([this.pods.synced, this.slices.synced]);
    this.schedule();
    while (this.running) await this.running;
    await this.removeStale();
  }

  status(): { pods: number; servers: number } {
    let servers = 0;
    for (const b of this.backends.values()) servers += b.servers.size;
    return { pods: [...this.backends.values()].filter((b) => b.addressed).length, servers };
  }

  /**
   * Closes the servers. The addresses stay (as the rules do on exit: a rule left in place then
   * reaches a local address that refuses) unless `removeAddresses` (--cleanup-on-exit).
   */
  async stop(removeAddresses: boolean): Promise<void> {
    this.stopped = true;
    this.pods?.stop();
    this.slices?.stop();
    this.ownFactory?.stop();
    await this.running;
    for (const t of this.releases.values()) clearTimeout(t);
    for (const b of this.backends.values()) {
      for (const s of b.servers.values()) await s.close();
      if (removeAddresses && b.addressed) await this.delAddress(b.ip);
    }
    if (removeAddresses) for (const ip of this.releases.keys()) await this.delAddress(ip);
    this.releases.clear();
  }

  private schedule(): void {
    if (this.stopped || !this.pods?.hasSynced() || !this.slices?.hasSynced()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.reconcile().catch((e: Error) => this.o.log.warn({ err: e.message }, 'simulated backends: reconcile failed'));
      } while (this.again && !this.stopped);
    })().finally(() => (this.running = undefined));
  }

  /** This node's simulated IPv4 Pods and the ports their EndpointSlices name. */
  private wanted(): Map<string, Wanted> {
    const out = new Map<string, Wanted>();
    for (const pod of this.pods?.byIndex('node', this.o.node) ?? []) {
      const ip = podIP(pod);
      if (!isSimulatedPod(pod) || pod.spec?.nodeName !== this.o.node || !ip || ipFamily(ip) === 'IPv6') continue;
      out.set(objectKey(pod), { ip, ports: new Set() });
    }
    for (const slice of this.slices?.list() ?? []) {
      const ports = (slice.ports ?? []).filter((p) => p.port && (p.protocol ?? 'TCP') !== 'SCTP').map((p) => `${p.port}/${p.protocol ?? 'TCP'}`);
      for (const ep of slice.endpoints ?? []) {
        const ref = ep.targetRef;
        if (ref?.kind !== 'Pod' || !ref.name) continue;
        const w = out.get(`${ref.namespace || slice.metadata?.namespace}/${ref.name}`);
        if (w && ep.addresses?.includes(w.ip)) for (const p of ports) w.ports.add(p);
      }
    }
    return out;
  }

  private async reconcile(): Promise<void> {
    const want = this.wanted();
    for (const [key, b] of [...this.backends]) {
      if (want.get(key)?.ip === b.ip) continue;
      this.backends.delete(key);
      for (const s of b.servers.values()) await s.close();
      if (b.addressed) {
        this.o.onChange(key);
        this.release(b.ip);
      }
      this.o.log.debug({ pod: key, ip: b.ip }, 'simulated backends: pod gone');
    }
    for (const [key, w] of want) {
      let b = this.backends.get(key);
      if (!b) this.backends.set(key, (b = { ip: w.ip, addressed: false, servers: new Map(), failed: new Set() }));
      if (!b.addressed) {
        const timer = this.releases.get(w.ip);
        if (timer) clearTimeout(timer);
        this.releases.delete(w.ip);
        b.addressed = await this.addAddress(w.ip, key);
        if (b.addressed) this.o.onChange(key);
      }
      if (!b.addressed) continue;
      for (const [port, s] of [...b.servers]) {
        if (w.ports.has(port)) continue;
        b.servers.delete(port);
        await s.close();
      }
      for (const port of w.ports) {
        if (b.servers.has(port)) continue;
        const [n, protocol] = port.split('/') as [string, 'TCP' | 'UDP'];
        const server = new EchoServer({ pod: key, ip: w.ip, node: this.o.node }, Number(n), protocol);
        try {
          await server.start();
          b.servers.set(port, server);
          b.failed.delete(port);
        } catch (e) {
          if (!b.failed.has(port)) this.o.log.warn({ pod: key, ip: w.ip, port, err: (e as Error).message }, 'simulated backends: cannot listen for the pod; tried again at the next change');
          b.failed.add(port);
        }
      }
    }
  }

  private async addAddress(ip: string, pod: string): Promise<boolean> {
    const r = await this.o.exec('ip', ['addr', 'add', `${ip}/32`, 'dev', DEVICE, 'metric', String(ANNOUNCED_ADDRESS_METRIC)]);
    if (r.code === 0) return true;
    // Still there from an earlier run, or a grace period: ours when it carries the mark.
    const ours = await announcedAddresses(this.o.exec).then((list) => list.some((a) => a.address === ip && a.device === DEVICE), () => false);
    const err = r.stderr.trim();
    // Once per reason (without root or CAP_NET_ADMIN every Pod fails the same way).
    if (!ours && !this.addFailures.has(err)) {
      this.addFailures.add(err);
      this.o.log.error({ pod, ip, err }, 'simulated backends: cannot add a pod\'s address to this machine (root or CAP_NET_ADMIN needed); its endpoints stay unused');
    }
    return ours;
  }

  private release(ip: string): void {
    if (this.releases.has(ip)) return;
    const t = setTimeout(() => {
      this.releases.delete(ip);
      if ([...this.backends.values()].some((b) => b.ip === ip)) return;
      void this.delAddress(ip);
    }, RELEASE_GRACE_MS);
    t.unref();
    this.releases.set(ip, t);
  }

  private async delAddress(ip: string): Promise<void> {
    const r = await this.o.exec('ip', ['addr', 'del', `${ip}/32`, 'dev', DEVICE]);
    if (r.code !== 0) this.o.log.debug({ ip, err: r.stderr.trim() }, 'simulated backends: could not remove an address');
  }

  /** Marked addresses on lo inside the pod CIDRs that no Pod of this node has now: an earlier run's. */
  private async removeStale(): Promise<void> {
    const held = new Set([...this.backends.values()].map((b) => b.ip));
    const marked = await announcedAddresses(this.o.exec).catch(() => []);
    for (const a of marked) {
      if (a.device !== DEVICE || held.has(a.address) || !this.o.clusterCIDRs.some((c) => cidrContains(c, a.address))) continue;
      await this.delAddress(a.address);
    }
  }
}

function podIP(pod: Pod): string | undefined {
  return pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP ?? undefined;
}
