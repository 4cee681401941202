import { describe, expect, it } from 'vitest';
import { NodeIpam, SimulatorConfigError } from './nodeIpam.js';
import { fnv32a, seededRandom } from '@svcnet/model';
import { ALPHANUMS, computeHash, randomString, safeEncodeString } from './podTemplateHash.js';

describe('pod names', () => {
  it('FNV-32a matches Go hash/fnv New32a', () => {
    // Reference values of the FNV-1a 32-bit function (the FNV spec's test vectors).
    expect(fnv32a('')).toBe(0x811c9dc5);
    expect(fnv32a('a')).toBe(0xe40c292c);
    expect(fnv32a('foobar')).toBe(0xbf9cf968);
  });

  it('safe-encodes like apimachinery rand.SafeEncodeString', () => {
    // '0' is code 48, 48 % 27 = 21 -> '4'; '9' is 57 % 27 = 3 -> 'f'.
    expect(safeEncodeString('0')).toBe('4');
    expect(safeEncodeString('9')).toBe('f');
    expect(safeEncodeString('4294967295')).toHaveLength(10);
  });

  it('hashes templates stably whatever their key order, and differently when they differ', () => {
    const a = { metadata: { labels: { app: 'web', tier: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    const b = { spec: { containers: [{ image: 'nginx', name: 'c' }] }, metadata: { labels: { tier: 'x', app: 'web' } } };
    expect(computeHash(a)).toBe(computeHash(b));
    expect(computeHash(a)).not.toBe(computeHash({ ...a, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } }));
    expect(computeHash(a, 1)).not.toBe(computeHash(a));
    expect(computeHash(a)).toMatch(new RegExp(`^[${ALPHANUMS}]{1,10}$`));
  });

  it('draws generateName suffixes from the safe alphabet', () => {
    const r = seededRandom(1);
    for (let i = 0; i < 100; i++) expect(randomString(5, r)).toMatch(new RegExp(`^[${ALPHANUMS}]{5}$`));
  });
});

describe('NodeIpam', () => {
  it('gives each node the next /24 and hands out .2 to .254, then reports the subnet full', () => {
    const ipam = new NodeIpam(['10.244.0.0/16']);
    expect(ipam.node('a').podCIDRs).toEqual(['10.244.0.0/24']);
    expect(ipam.node('b').podCIDRs).toEqual(['10.244.1.0/24']);
    const a = ipam.node('a');
    const got: string[] = [];
    for (let ip = a.allocate(); ip; ip = a.allocate()) got.push(ip[0]!);
    expect(got).toHaveLength(253);
    expect(got[0]).toBe('10.244.0.2');
    expect(got.at(-1)).toBe('10.244.0.254');
    a.release(['10.244.0.7']);
    expect(a.allocate()).toEqual(['10.244.0.7']);
  });

  it('rejects a bad CIDR or a mask that does not fit, with a message saying what to use', () => {
    expect(() => new NodeIpam(['10.244.0.0'])).toThrow(SimulatorConfigError);
    expect(() => new NodeIpam(['10.244.0.0/25'])).toThrow('does not fit');
    const tiny = new NodeIpam(['10.0.0.0/23']);
    tiny.node('a');
    tiny.node('b');
    expect(() => tiny.node('c')).toThrow('no subnet left');
  });
});
