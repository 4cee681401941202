// Every production dependency has a licence, and none is copyleft (GPL/AGPL/LGPL/SSPL): svcnet is
// Apache-2.0 and ships them. `npm audit` needs the registry, so it is run by hand (see README).
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { productionDependencies } from './productionLicenses.js';

const ALLOWED = /^(\(?(MIT|ISC|Apache-2\.0|BSD-2-Clause|BSD-3-Clause|0BSD|BlueOak-1\.0\.0|Python-2\.0|CC0-1\.0|CC-BY-4\.0|Unlicense)( (OR|AND) |\)?$))+$/;

it('lists every production dependency with a permissive licence', () => {
  const deps = productionDependencies(resolve(import.meta.dirname, '..', '..'));
  expect(deps.length).toBeGreaterThan(10);
  const bad = deps.filter((d) => !ALLOWED.test(d.license));
  expect(bad).toEqual([]);
});
