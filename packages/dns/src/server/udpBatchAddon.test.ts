import { describe, expect, it } from 'vitest';
import { nativeSetting } from './udpBatchAddon.js';

describe('SVCNET_DNS_NATIVE', () => {
  it.each([
    ['0', false],
    ['1', true],
    [undefined, undefined],
    ['', undefined],
    ['yes', undefined],
  ])('%s -> %s', (v, want) => {
    expect(nativeSetting(v === undefined ? {} : { SVCNET_DNS_NATIVE: v })).toBe(want);
  });
});
