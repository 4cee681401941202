import { isIPv4 } from 'node:net';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isDottedQuad } from './parse.js';

describe('isDottedQuad', () => {
  it('agrees with net.isIPv4 on the cases that matter', () => {
    for (const ip of ['0.0.0.0', '255.255.255.255', '10.0.0.1', '1.2.3.4', '01.2.3.4', '1.2.3.04', '256.1.1.1', '1.2.3', '1.2.3.4.5', '1..2.3', '.1.2.3', '1.2.3.', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.-4', '::1', '', '1.2.3.4/32', '999.0.0.0', '1.2.3.4a', '١.2.3.4']) {
      expect(isDottedQuad(ip), ip).toBe(isIPv4(ip));
    }
  });

  it('agrees with net.isIPv4 on generated strings', () => {
    const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.stringMatching(/^[0-9]{0,4}$/), fc.constantFrom('00', '010', '-1', 'a', ' 1'));
    const dotted = fc.array(octet, { minLength: 1, maxLength: 6 }).map((xs) => xs.join('.'));
    fc.assert(fc.property(fc.oneof(dotted, fc.string({ maxLength: 16 })), (ip) => isDottedQuad(ip) === isIPv4(ip)), { numRuns: 5000 });
  });
});
