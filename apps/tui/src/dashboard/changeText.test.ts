import { describe, expect, it } from 'vitest';
import type { EndpointSlice } from '@svcnet/model';
import { describeSliceChange } from './changeText.js';

const slice = (eps: [string, boolean][]): EndpointSlice =>
  ({ addressType: 'IPv4', endpoints: eps.map(([ip, ready]) => ({ addresses: [ip], conditions: { ready } })) }) as EndpointSlice;

describe('describeSliceChange', () => {
  it.each([
    ['a readiness flip', 'MODIFIED', slice([['10.244.1.4', false]]), slice([['10.244.1.4', true]]), 'endpoint 10.244.1.4 not ready'],
    ['an address added and one removed', 'MODIFIED', slice([['10.0.0.2', true]]), slice([['10.0.0.1', true]]), 'endpoint 10.0.0.2 added (ready), endpoint 10.0.0.1 removed'],
    ['a new slice', 'ADDED', slice([['10.0.0.1', true], ['10.0.0.2', false]]), undefined, 'endpoint 10.0.0.1 added (ready), endpoint 10.0.0.2 added (not ready)'],
    ['a deleted slice', 'DELETED', slice([['10.0.0.1', true]]), undefined, 'endpoint 10.0.0.1 removed'],
    ['a change that moved no endpoint', 'MODIFIED', slice([['10.0.0.1', true]]), slice([['10.0.0.1', true]]), 'EndpointSlice modified (no endpoint changed)'],
    ['many at once', 'ADDED', slice([['10.0.0.1', true], ['10.0.0.2', true], ['10.0.0.3', true], ['10.0.0.4', true], ['10.0.0.5', true]]), undefined, 'endpoint 10.0.0.1 added (ready), endpoint 10.0.0.2 added (ready), endpoint 10.0.0.3 added (ready) and 2 more'],
  ] as const)('%s', (_, type, now, old, want) => {
    expect(describeSliceChange(type, now, old)).toBe(want);
  });
});
