import { describe, expect, it } from 'vitest';
import { proxyOptions } from './proxyOptions.js';
import { localhostNodePortsEnabled } from './ruleHelpers.js';

describe('localhostNodePortsEnabled (upstream: IPv4, asked for, and nodePortAddresses holding 127.0.0.0/8)', () => {
  const cases: { nodePortAddresses: string[]; localhost?: boolean; family?: 'IPv4' | 'IPv6'; want: boolean }[] = [
    { nodePortAddresses: [], want: true },
    { nodePortAddresses: [], localhost: false, want: false },
    { nodePortAddresses: [], family: 'IPv6', want: false },
    { nodePortAddresses: ['127.0.0.0/8'], want: true },
    { nodePortAddresses: ['127.0.0.1/32', '10.0.0.0/8'], want: true },
    { nodePortAddresses: ['0.0.0.0/0'], want: true },
    { nodePortAddresses: ['64.0.0.0/2'], want: true },
    { nodePortAddresses: ['10.0.0.0/8'], want: false },
    { nodePortAddresses: ['primary'], want: false },
    // Only IPv6 CIDRs: IPv4 takes every address (upstream's zero CIDR), loopback included.
    { nodePortAddresses: ['fd00::/64'], want: true },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.nodePortAddresses)} ${c.family ?? 'IPv4'} localhostNodePorts=${c.localhost ?? true} -> ${c.want}`, () => {
      const o = proxyOptions({ nodeName: 'n', localhostNodePorts: c.localhost ?? true, nodePortAddresses: c.nodePortAddresses });
      expect(localhostNodePortsEnabled(o, c.family ?? 'IPv4')).toBe(c.want);
    });
  }
});
