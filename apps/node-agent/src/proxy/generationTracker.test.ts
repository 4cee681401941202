import { describe, expect, it } from 'vitest';
import type { Service } from '@svcnet/model';
import { ManualClock } from '@svcnet/store';
import { GenerationTracker, type TrackedProxier } from './generationTracker.js';

function fakeProxier(changes: boolean): TrackedProxier & { queuedAt?: number } {
  const p: TrackedProxier & { queuedAt?: number } = {
    onServiceUpdate: () => {
      if (changes) p.queuedAt = 1;
    },
    onServiceDelete: () => undefined,
    onEndpointSliceUpdate: () => undefined,
    onEndpointSliceDelete: () => undefined,
    start: () => undefined,
    stop: () => undefined,
    getStatus: () => (p.queuedAt === undefined ? {} : { queuedAt: p.queuedAt }),
  };
  return p;
}

const svc = (rv: string) => ({ kind: 'Service', metadata: { name: 's', namespace: 'd', resourceVersion: rv } }) as Service;

describe('GenerationTracker', () => {
  it('applies a generation when every family has synced with nothing pending', () => {
    const a = fakeProxier(true);
    const b = fakeProxier(true);
    const clock = new ManualClock(100);
    const g = new GenerationTracker([a, b], clock);
    const sink = g.sink();
    sink.onServiceUpdate(svc('7'));
    expect(g.desired).toBe(1);
    expect(g.desiredRevisions.Service).toBe(7);
    clock.advance(50); // now 150
    g.synced(0, false);
    expect(g.applied.generation).toBe(0);
    clock.advance(30); // now 180
    g.synced(1, true); // changes arrived during the sync: not current yet
    expect(g.applied.generation).toBe(0);
    g.synced(1, false);
    expect(g.applied).toEqual({ generation: 1, revisions: { Service: 7, EndpointSlice: 0 }, at: 180 });
    expect(g.history).toHaveLength(1);
  });

  it('applies what a sync started with, while later changes keep arriving', () => {
    const a = fakeProxier(true);
    const clock = new ManualClock(10);
    const g = new GenerationTracker([a], clock);
    const sink = g.sink();
    sink.onServiceUpdate(svc('1'));
    g.syncStarted(0); // this sync takes generation 1
    sink.onServiceUpdate(svc('2')); // arrives during it
    clock.advance(10); // now 20
    g.synced(0, true);
    expect(g.applied).toEqual({ generation: 1, revisions: { Service: 1, EndpointSlice: 0 }, at: 20 });
    g.syncStarted(0); // takes generation 2
    sink.onServiceUpdate(svc('3'));
    clock.advance(10); // now 30
    g.synced(0, true);
    expect(g.applied.generation).toBe(2);
    clock.advance(10); // now 40
    g.syncStarted(0);
    g.synced(0, false);
    expect(g.applied).toEqual({ generation: 3, revisions: { Service: 3, EndpointSlice: 0 }, at: 40 });
  });

  it('counts an event that changed no rules as applied at once', () => {
    const g = new GenerationTracker([fakeProxier(false)], new ManualClock(5));
    g.sink().onServiceUpdate(svc('3'));
    expect(g.applied).toEqual({ generation: 1, revisions: { Service: 3, EndpointSlice: 0 }, at: 5 });
  });
});
