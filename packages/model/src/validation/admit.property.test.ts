import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InvalidObjectError } from '../fieldErrors.js';
import { KINDS, type AnyObject } from '../objects.js';
import { setDefaults } from '../defaults/setDefaults.js';
import { admit } from './validateObject.js';

// Bad input gets a clear error and loses nothing: whatever JSON a manifest holds, admit answers with
// the defaulted object or an InvalidObjectError, never a TypeError from deep inside a validator.
const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: -5, max: 70000 }), fc.boolean(), fc.constant(null));
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 3 }),
  object: fc.dictionary(fc.constantFrom('name', 'port', 'ports', 'ip', 'addresses', 'spec', 'type', 'protocol', 'targetPort', 'clusterIP', 'subsets', 'rules', 'http', 'paths', 'backend', 'service', 'selector', 'labels', 'containers', 'status', 'podIPs', 'endpoints', 'data', 'hosts', 'tls'), tie('value'), { maxKeys: 5 }),
})).value;

const objectOfKind = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constantFrom(...KINDS),
  metadata: fc.oneof(fc.record({ name: fc.oneof(fc.constant('x'), scalar) }), json),
  spec: json,
  status: json,
  subsets: json,
  endpoints: json,
  ports: json,
  addressType: fc.oneof(fc.constantFrom('IPv4', 'IPv6', 'FQDN'), scalar),
  data: json,
  type: scalar,
});

describe('admit on arbitrary JSON', () => {
  it('returns or throws InvalidObjectError, nothing else', () => {
    fc.assert(
      fc.property(objectOfKind, (obj) => {
        try {
          admit(obj as AnyObject);
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidObjectError);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('setDefaults is idempotent', () => {
    fc.assert(
      fc.property(objectOfKind, (obj) => {
        const once = setDefaults(obj as AnyObject);
        expect(setDefaults(once)).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });
});
