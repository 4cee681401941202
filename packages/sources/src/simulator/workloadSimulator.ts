import { SIMULATED_ANNOTATION, type Pod, type Random } from '@svcnet/model';
import { systemClock, type Clock, type Store } from '@svcnet/store';
import { CoalescingWriter } from '../coalescingWriter.js';
import { type PodIdentity, type SimulatedNode, type Workload, buildNode, buildPod, isPodReady, randomUid, withStatus } from './podFactory.js';
import { PodScheduler } from './podScheduler.js';
import { type FoundPod, claimFoundPods, findPlacedPods, recordedSubnets, registerPodCIDRs } from './resume.js';
import type { SimPod } from './simPod.js';
import { requestedPodIPs } from './requestedPodIPs.js';
import { validateWorkload } from './validateWorkload.js';
import { PodReadiness } from './podReadiness.js';
import type { WorkloadSimulatorOptions, WorkloadSimulatorStatus } from './simulatorOptions.js';
import { planDeployment, planStatefulSet } from './workloadControllers.js';

export type { FlapOptions, WorkloadSimulatorOptions, WorkloadSimulatorStatus } from './simulatorOptions.js';

interface SimWorkload {
  workload: Workload;
  uid: string;
  pods: Map<string, SimPod>;
  unplaced: number;
  /** Pods found on resume have been looked through for this workload's own. */
  claimed?: boolean;
}

/**
 * Stands in for the ReplicaSet and StatefulSet controllers, the scheduler and the kubelets: turns
 * Deployments and StatefulSets into Pods in the store, with addresses from per-node pod subnets and
 * readiness that turns on after a delay and may flap; bare Pods from manifests are scheduled and
 * started the same way (`adoptPod`). Deterministic with an injected clock and random.
 *
 * Simplifications, on purpose: a Deployment rollout surges all new pods at once and removes old ones
 * as new ones turn Ready (zero downtime, like maxUnavailable 0). A StatefulSet rolls from the highest
 * ordinal, one pod at a time once all are Ready, deleting and recreating each under its name.
 */
export class WorkloadSimulator {
  readonly #writer: CoalescingWriter;
  readonly #clock: Clock;
  readonly #random: Random;
  #scheduler: PodScheduler;
  readonly #store: Store;
  /** Pods found in the store on resume that no workload or manifest has claimed yet, by namespace/name. */
  readonly #found = new Map<string, FoundPod>();
  readonly #workloads = new Map<string, SimWorkload>();
  /** Bare Pods adopted from manifests (no controller), by namespace/name. */
  readonly #bare = new Map<string, SimPod>();
  readonly #readyDelayMs: number;
  readonly #maxPods: number;
  readonly #readiness: PodReadiness;
  #podCount = 0;
  #running = false;
  #lastError: string | undefined;

  constructor(store: Store, private readonly options: WorkloadSimulatorOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#readyDelayMs = options.readyDelayMs ?? 1000;
    this.#maxPods = options.maxPods ?? 10_000;
    this.#readiness = new PodReadiness(this.#clock, this.#random, options.flap);
    this.#scheduler = new PodScheduler(options);
    this.#store = store;
    this.#writer = new CoalescingWriter(store, {
      ...(options.fence ? { fence: options.fence } : {}),
      onError: (f) => this.#fail(new Error(`simulator: writing ${f.kind} "${f.key}": ${f.error.message}`)),
    });
  }

  get nodes(): readonly SimulatedNode[] {
    return this.#scheduler.nodes;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    if (this.options.resume) await this.#resume();
    if (this.options.registerNodes === false) {
      for (const node of this.#scheduler.nodes) await registerPodCIDRs(this.#store, node, this.options.fence?.()).catch((e: Error) => this.#fail(new Error(`simulator: writing Node "${node.name}" spec.podCIDRs: ${e.message}`)));
    } else for (const node of this.#scheduler.nodes) this.#writer.apply(buildNode(node, this.#clock.now()));
    for (const sw of this.#workloads.values()) this.#reconcile(sw);
    for (const p of this.#bare.values()) if (!p.ready) this.#scheduleReady(undefined, p, this.#readyDelayMs);
    this.#scheduleFlap();
    await this.#writer.settle();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#readiness.stopFlaps();
    for (const sw of this.#workloads.values()) {
      for (const p of sw.pods.values()) this.#clearTimer(p);
    }
    for (const p of this.#bare.values()) this.#clearTimer(p);
    if (this.options.deleteOnStop) {
      for (const sw of this.#workloads.values()) for (const p of [...sw.pods.values()]) this.#deletePod(sw, p);
      if (this.options.registerNodes !== false) for (const node of this.#scheduler.nodes) this.#writer.delete('Node', undefined, node.name);
    }
    await this.#writer.settle();
  }

  /** Adds or updates a workload (throws InvalidObjectError, keeping the previous version, if invalid). */
  apply(workload: Workload): void {
    validateWorkload(workload);
    const key = workloadKey(workload.kind, workload.metadata?.namespace, workload.metadata!.name!);
    const existing = this.#workloads.get(key);
    const sw: SimWorkload = existing ?? { workload, uid: workload.metadata?.uid ?? randomUid(this.#random), pods: new Map(), unplaced: 0 };
    sw.workload = structuredClone(workload);
    this.#workloads.set(key, sw);
    if (this.#running) this.#reconcile(sw);
  }

  /** Removes a workload and deletes its pods (a no-op when unknown). */
  remove(kind: Workload['kind'], namespace: string | undefined, name: string): void {
    const key = workloadKey(kind, namespace, name);
    const sw = this.#workloads.get(key);
    if (!sw) return;
    for (const p of [...sw.pods.values()]) this.#deletePod(sw, p);
    this.#workloads.delete(key);
  }

  /**
   * A bare Pod from a manifest (no controller; a status written with it is ignored), as the
   * scheduler and kubelet would take it: placed on its spec.nodeName when that is a simulated node
   * (else on the next node), given an address from that node's pod subnet (or the addresses it
   * names in annotation svcnet.io/pod-ips, see requestedPodIPs), and returned as first reported,
   * not Ready. The caller writes it (the Pod, then its status through updateStatus); when the
   * store rejects it, `undo()` takes the adoption back (a new Pod's address is freed; a Pod
   * adopted before keeps its address and its last accepted content). It turns Ready after
   * readyDelayMs and flaps like workload pods. Applying the same Pod again keeps its node, address
   * and readiness. Returns undefined, leaving the Pod as it is (Pending), when it names a node the
   * simulator does not run or an address that is not free.
   */
  adoptPod(pod: Pod & { kind: 'Pod' }): { pod: Pod & { kind: 'Pod' }; undo: () => void } | undefined {
    const namespace = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    const key = `${namespace}/${name}`;
    let p = this.#bare.get(key);
    const wanted = pod.spec?.nodeName;
    // Asked-for addresses, validated first: an invalid request throws, as an invalid Pod would.
    const requested = requestedPodIPs(pod);
    // spec.nodeName cannot change on a real Pod (the API rejects it): a different one here is a
    // different Pod for the simulator, placed afresh; so is a different address request.
    const moved = p && ((wanted && wanted !== p.placement.nodeName) || (requested && requested.join(',') !== p.placement.podIPs.join(',')));
    if (moved) {
      this.releasePod(namespace, name);
      p = undefined;
    }
    const previous = p?.pod;
    if (!p) {
      if (this.#podCount >= this.#maxPods) return undefined;
      // Taking over: the Pod an earlier writer placed keeps its node, address and readiness.
      const found = this.#found.get(key);
      const same = found && !found.owner && (!wanted || wanted === found.placement.nodeName) && (!requested || requested.join(',') === found.placement.podIPs.join(','));
      if (same) this.#found.delete(key);
      const placement = same ? found.placement : requested ? this.#scheduler.placeWith(requested, wanted) : wanted ? this.#scheduler.placeOn(wanted) : this.#scheduler.place();
      if (!placement) return undefined;
      const now = this.#clock.now();
      p = { name, namespace, revision: '', placement, pod, ready: same ? isPodReady(found.pod) : false, startedMs: same ? found.startedMs : now };
      this.#bare.set(key, p);
      this.#podCount++;
      if (!p.ready) this.#scheduleReady(undefined, p, this.#readyDelayMs);
    }
    const adopted = p;
    // An address from the simulator's pod CIDRs has nothing behind it: marked, so data planes send
    // it no packets. An address the Pod asked for (svcnet.io/pod-ips) is a real one.
    const metadata = requested ? pod.metadata : { ...pod.metadata, annotations: { ...pod.metadata?.annotations, [SIMULATED_ANNOTATION]: 'true' } };
    const scheduled = { ...pod, metadata, spec: { ...pod.spec!, nodeName: adopted.placement.nodeName } };
    adopted.pod = withStatus(scheduled, adopted.placement, adopted.ready, adopted.startedMs, this.#clock.now());
    const undo = () => {
      if (this.#bare.get(key) !== adopted) return;
      if (previous) adopted.pod = previous;
      else this.releasePod(namespace, name);
    };
    return { pod: adopted.pod, undo };
  }

  /** Forgets an adopted bare Pod (its address is freed); the caller deletes it from the store. */
  releasePod(namespace: string | undefined, name: string): boolean {
    const key = `${namespace ?? 'default'}/${name}`;
    const found = this.#found.get(key);
    if (found) {
      this.#found.delete(key);
      this.#scheduler.release(found.placement);
    }
    const p = this.#bare.get(key);
    if (!p) return false;
    this.#clearTimer(p);
    this.#scheduler.release(p.placement);
    this.#bare.delete(key);
    this.#podCount--;
    return true;
  }

  /**
   * After the manifests' first full pass on resume: Pods found in the store whose controller (a
   * ReplicaSet or StatefulSet) no workload here claimed belong to workloads removed from the
   * manifests while no writer ran; they are deleted, as the garbage collector deletes the Pods of
   * a deleted owner. Bare Pods found are left (ManifestSource prunes its own by their mark).
   */
  pruneUnclaimed(): number {
    let pruned = 0;
    for (const [key, f] of [...this.#found]) {
      if (!f.owner) continue;
      this.#found.delete(key);
      this.#scheduler.release(f.placement);
      this.#writer.delete('Pod', f.pod.metadata?.namespace, f.pod.metadata?.name ?? '');
      pruned++;
    }
    return pruned;
  }

  /** The pods as last written (or about to be), for tests and status views. */
  pods(): SimPod['pod'][] {
    return [...[...this.#workloads.values()].flatMap((sw) => [...sw.pods.values()]), ...this.#bare.values()].map((p) => p.pod);
  }

  /** Resolves once every write queued so far has reached the store. */
  settle(): Promise<void> {
    return this.#writer.settle();
  }

  status(): WorkloadSimulatorStatus {
    let ready = 0;
    let unplaced = 0;
    for (const sw of this.#workloads.values()) {
      unplaced += sw.unplaced;
      for (const p of sw.pods.values()) if (p.ready) ready++;
    }
    for (const p of this.#bare.values()) if (p.ready) ready++;
    return {
      running: this.#running,
      nodes: this.#scheduler.nodes.map((n) => n.name),
      workloads: this.#workloads.size,
      pods: this.#podCount,
      readyPods: ready,
      flaps: this.#readiness.flaps,
      unplaced,
      ...(this.#lastError ? { lastError: this.#lastError } : {}),
    };
  }

  #reconcile(sw: SimWorkload): void {
    if (!this.#running) return;
    if (!sw.claimed) {
      sw.claimed = true;
      for (const p of claimFoundPods(this.#found, sw.workload, this.#clock.now())) {
        sw.uid = sw.workload.metadata?.uid ?? p.ownerUid;
        sw.pods.set(p.pod.name, p.pod);
        this.#podCount++;
        if (!p.pod.ready) this.#scheduleReady(sw, p.pod, this.#readyDelayMs);
      }
    }
    const plan = sw.workload.kind === 'Deployment'
      ? planDeployment(sw.workload, sw.uid, [...sw.pods.values()], this.#random)
      : planStatefulSet(sw.workload, sw.uid, sw.pods);
    for (const p of plan.remove) this.#deletePod(sw, p);
    sw.unplaced = 0;
    for (let i = 0; i < plan.create.length; i++) {
      const c = plan.create[i]!;
      const replaced = c.replacing ? sw.pods.get(c.id.name) : undefined;
      if (replaced) this.#deletePod(sw, replaced, false);
      if (this.#createPod(sw, c.revision, c.id, c.ordinal, c.replacing)) continue;
      if (plan.ordered) {
        sw.unplaced += (sw.workload.spec?.replicas ?? 1) - (c.ordinal ?? 0);
        break;
      }
      sw.unplaced++;
    }
  }

  /** Taking over: the subnets Nodes record, and the Pods already placed (their addresses reserved). */
  async #resume(): Promise<void> {
    const nodes = (await this.#store.list('Node')).items;
    this.#scheduler = new PodScheduler({ ...this.options, recordedSubnets: recordedSubnets(nodes) });
    const pods = (await this.#store.list('Pod')).items;
    for (const f of findPlacedPods(pods, this.#clock.now())) {
      // Two Pods in the store with one address (left by writers before leases): the first keeps it.
      if (!this.#scheduler.adopt(f.placement)) {
        this.#fail(new Error(`simulator: Pod "${f.key}" has address ${f.placement.podIPs.join(',')} that another Pod holds; not taken over`));
        continue;
      }
      this.#found.set(f.key, f);
    }
  }

  #createPod(sw: SimWorkload, revision: string, id: PodIdentity, ordinal?: number, replacing = false): boolean {
    if (this.#podCount >= this.#maxPods) {
      this.#lastError = `simulator: maxPods (${this.#maxPods}) reached; ${id.name} not created`;
      return false;
    }
    const placement = this.#scheduler.place();
    if (!placement) {
      this.#lastError = `simulator: every node's pod subnet is full; ${id.name} not created (use a larger podCIDR or more nodes)`;
      return false;
    }
    const now = this.#clock.now();
    const pod = buildPod(sw.workload, id, placement, now);
    const sp: SimPod = { name: id.name, namespace: pod.metadata!.namespace!, revision, ordinal, placement, pod, ready: false, startedMs: now };
    sw.pods.set(id.name, sp);
    this.#podCount++;
    if (replacing) this.#writer.recreate(pod);
    else this.#writer.apply(pod);
    this.#scheduleReady(sw, sp, this.#readyDelayMs);
    return true;
  }

  #deletePod(sw: SimWorkload, p: SimPod, write = true): void {
    this.#clearTimer(p);
    this.#scheduler.release(p.placement);
    sw.pods.delete(p.name);
    this.#podCount--;
    if (write) this.#writer.delete('Pod', p.namespace, p.name);
  }

  /** `sw` is the pod's workload, undefined for an adopted bare Pod. */
  #setReady(sw: SimWorkload | undefined, p: SimPod, ready: boolean): void {
    p.ready = ready;
    p.pod = withStatus(p.pod, p.placement, ready, p.startedMs, this.#clock.now());
    this.#writer.apply(p.pod);
    if (sw) this.#reconcile(sw);
  }

  #scheduleReady(sw: SimWorkload | undefined, p: SimPod, delayMs: number): void {
    this.#readiness.schedule(p, delayMs, () => {
      const current = sw ? sw.pods.get(p.name) : this.#bare.get(`${p.namespace}/${p.name}`);
      if (this.#running && current === p) this.#setReady(sw, p, true);
    });
  }

  #clearTimer(p: SimPod): void {
    this.#readiness.clear(p);
  }

  /** Flap rounds over the workloads' pods, in the order they were applied, then the bare Pods. */
  #scheduleFlap(): void {
    this.#readiness.startFlaps(
      () => {
        if (!this.#running) return undefined;
        const groups: [SimWorkload | undefined, SimPod[]][] = [...this.#workloads.values()].map((sw) => [sw, [...sw.pods.values()]]);
        groups.push([undefined, [...this.#bare.values()]]);
        return groups;
      },
      (sw, p, downMs) => {
        this.#setReady(sw, p, false);
        this.#scheduleReady(sw, p, downMs ?? this.#readyDelayMs);
      },
    );
  }

  #fail(error: Error): void {
    this.#lastError = error.message;
    this.options.onError?.(error);
  }
}

export function workloadKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? 'default'}/${name}`;
}
