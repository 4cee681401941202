import { describe, expect, it } from 'vitest';
import { parseIPTablesVersion, supportsRandomFully } from './iptablesVersion.js';

describe('MASQUERADE --random-fully from `iptables --version`, as upstream HasRandomFully (>= 1.6.2)', () => {
  it.each([
    ['iptables v1.8.9 (nf_tables)', true],
    ['iptables v1.8.7 (legacy)', true],
    ['ip6tables v1.6.2', true],
    ['iptables v1.6.1', false],
    ['iptables v1.4.21', false],
    ['iptables v2.0', true],
    ['iptables: command not found', false],
    [undefined, false],
  ])('%j -> %s', (output, want) => {
    expect(supportsRandomFully(output)).toBe(want);
  });

  it('reads the version as upstream getIPTablesVersion does', () => {
    expect(parseIPTablesVersion('iptables v1.8.9 (nf_tables)\n')).toEqual([1, 8, 9]);
    expect(parseIPTablesVersion('no version here')).toBeUndefined();
  });
});
