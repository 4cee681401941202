import type { EndpointSlice, Service } from '@svcnet/model';
import type { ProxierSink } from '@svcnet/proxy';
import { systemClock, type Clock } from '@svcnet/store';

/** Store revisions per kind: what a set of rules reflects. */
export interface Revisions {
  Service: number;
  EndpointSlice: number;
}

/** One point at which the rules of every family became current. */
export interface AppliedGeneration {
  generation: number;
  revisions: Revisions;
  /** Epoch ms at which the last family finished applying it. */
  at: number;
}

/** What a tracked proxier exposes: enough to tell "nothing queued and nothing in flight". */
export interface TrackedProxier extends ProxierSink {
  getStatus(): { queuedAt?: number };
}

const HISTORY = 256;

const revisionOf = (o: { metadata?: { resourceVersion?: string } }) => Number(o.metadata?.resourceVersion ?? 0) || 0;

/**
 * Rule generations, for the status object and the network-programming benchmark: every watch event
 * handed to the proxiers bumps the desired generation (and the highest store revision seen per kind);
 * a generation counts as applied when every family's proxier has synced with nothing left pending,
 * or took the event without queueing anything. `history` keeps when each applied generation became
 * current, so a reader polling later still learns the exact time.
 */
export class GenerationTracker {
  desired = 0;
  readonly desiredRevisions: Revisions = { Service: 0, EndpointSlice: 0 };
  private readonly perProxier: AppliedGeneration[];
  private last: AppliedGeneration = { generation: 0, revisions: { Service: 0, EndpointSlice: 0 }, at: 0 };
  readonly history: AppliedGeneration[] = [];
  /** Per proxier: what was desired when its running sync started (see syncStarted). */
  private readonly starting: ({ generation: number; revisions: Revisions } | undefined)[] = [];

  constructor(
    private readonly proxiers: readonly TrackedProxier[],
    private readonly clock: Clock = systemClock,
  ) {
    this.perProxier = proxiers.map(() => ({ ...this.last, revisions: { ...this.last.revisions } }));
  }

  get applied(): AppliedGeneration {
    return this.last;
  }

  /** The ProxierSink to feed from the store: forwards to every proxier and counts. */
  sink(): ProxierSink {
    const forward = (kind: keyof Revisions, obj: Service | EndpointSlice, call: (p: TrackedProxier) => void) => {
      this.desired++;
      this.desiredRevisions[kind] = Math.max(this.desiredRevisions[kind], revisionOf(obj));
      this.proxiers.forEach((p, i) => {
        call(p);
        if (p.getStatus().queuedAt === undefined) this.mark(i);
      });
    };
    return {
      onServiceUpdate: (s) => forward('Service', s, (p) => p.onServiceUpdate(s)),
      onServiceDelete: (s) => forward('Service', s, (p) => p.onServiceDelete(s)),
      onEndpointSliceUpdate: (s) => forward('EndpointSlice', s, (p) => p.onEndpointSliceUpdate(s)),
      onEndpointSliceDelete: (s) => forward('EndpointSlice', s, (p) => p.onEndpointSliceDelete(s)),
      start: () => this.proxiers.forEach((p) => p.start()),
      stop: () => this.proxiers.forEach((p) => p.stop()),
    };
  }

  /** Called by proxier `index` as a sync takes its pending changes: what that sync will have applied. */
  syncStarted(index: number): void {
    this.starting[index] = { generation: this.desired, revisions: { ...this.desiredRevisions } };
  }

  /**
   * Called by proxier `index` after a successful sync; `pending`: changes arrived meanwhile. The
   * generation desired when the sync started is applied, even while later changes keep coming
   * (else a steady stream of events would hold the applied generation back for good).
   */
  synced(index: number, pending: boolean): void {
    const started = this.starting[index];
    this.starting[index] = undefined;
    if (!pending) this.mark(index);
    else if (started) this.mark(index, started.generation, started.revisions);
  }

  /** Proxier `index` has applied `upTo` (by default all desired so far). */
  private mark(index: number, upTo = this.desired, upToRevisions = this.desiredRevisions): void {
    if (upTo <= this.perProxier[index]!.generation) return;
    this.perProxier[index] = { generation: upTo, revisions: { ...upToRevisions }, at: this.clock.now() };
    const generation = Math.min(...this.perProxier.map((p) => p.generation));
    if (generation <= this.last.generation) return;
    const revisions: Revisions = {
      Service: Math.min(...this.perProxier.map((p) => p.revisions.Service)),
      EndpointSlice: Math.min(...this.perProxier.map((p) => p.revisions.EndpointSlice)),
    };
    this.last = { generation, revisions, at: this.clock.now() };
    this.history.push(this.last);
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
  }
}
