import type { Clock, TimerHandle } from '@svcnet/store';
import type { Random } from '@svcnet/model';
import type { FlapOptions } from './simulatorOptions.js';
import type { SimPod } from './simPod.js';

/**
 * The kubelets' part of the simulation, in time: a pod's readiness timer (it turns Ready after a
 * delay), and flap rounds that turn a few Ready pods unready for a while. What a change does to
 * the pod and its workload stays with WorkloadSimulator; this class only decides when.
 */
export class PodReadiness {
  /** Readiness flaps injected so far. */
  flaps = 0;
  #flapTimer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly flap: FlapOptions | undefined,
  ) {}

  /** Runs `fire` after delayMs, in place of the pod's pending timer. */
  schedule(p: SimPod, delayMs: number, fire: () => void): void {
    this.clear(p);
    p.timer = this.clock.setTimeout(() => {
      p.timer = undefined;
      fire();
    }, delayMs);
  }

  clear(p: SimPod): void {
    if (p.timer !== undefined) this.clock.clearTimeout(p.timer);
    p.timer = undefined;
  }

  /**
   * One flap round every flap.intervalMs (none without flap options): each Ready pod of `groups()`
   * flaps with flap.probability, at most flap.maxPerInterval (default 1) per round, and goes to
   * `down` with how long it stays down (flap.downMs; undefined = the ready delay). `groups()`
   * answering undefined (the simulator stopped) ends the rounds.
   */
  startFlaps<G>(groups: () => Iterable<[G, SimPod[]]> | undefined, down: (group: G, p: SimPod, downMs: number | undefined) => void): void {
    const flap = this.flap;
    if (!flap || !(flap.probability > 0) || !(flap.intervalMs > 0)) return;
    this.#flapTimer = this.clock.setTimeout(() => {
      this.#flapTimer = undefined;
      const round = groups();
      if (!round) return;
      let budget = flap.maxPerInterval ?? 1;
      for (const [group, pods] of round) {
        for (const p of pods) {
          if (budget <= 0) break;
          if (!p.ready || this.random() >= flap.probability) continue;
          budget--;
          this.flaps++;
          down(group, p, flap.downMs);
        }
      }
      this.startFlaps(groups, down);
    }, flap.intervalMs);
  }

  stopFlaps(): void {
    if (this.#flapTimer !== undefined) this.clock.clearTimeout(this.#flapTimer);
    this.#flapTimer = undefined;
  }
}
