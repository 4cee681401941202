// isOrdinaryIPOfFamily is the path-free fast check EndpointSlice validation runs first: it must accept
// exactly what the family check plus validateNonSpecialIP accept.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isOrdinaryIPOfFamily, isValidIPv4Address, isValidIPv6Address, validateNonSpecialIP } from './ipRules.js';

const slow = (value: unknown, family: 'IPv4' | 'IPv6'): boolean => {
  const familyErrs = family === 'IPv4' ? isValidIPv4Address('p', value) : isValidIPv6Address('p', value);
  return familyErrs.length === 0 && validateNonSpecialIP('p', value).length === 0;
};

const special = fc.constantFrom('0.0.0.0', '::', '127.0.0.1', '::1', '169.254.1.1', 'fe80::1', '224.0.0.5', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:0.0.0.0');
const values = fc.oneof(fc.ipV4(), fc.ipV6(), special, fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null));

describe('isOrdinaryIPOfFamily', () => {
  it('agrees with the family check plus validateNonSpecialIP', () => {
    fc.assert(
      fc.property(values, fc.constantFrom('IPv4' as const, 'IPv6' as const), (v, family) => {
        expect(isOrdinaryIPOfFamily(v, family)).toBe(slow(v, family));
      }),
      { numRuns: 2000 },
    );
  });
});
