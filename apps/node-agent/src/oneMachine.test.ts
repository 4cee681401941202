import { describe, expect, it } from 'vitest';
import { parseArgs } from './config.js';

const parse = (argv: string[]) => parseArgs(argv, '1.2.3', { out: () => undefined, err: () => undefined });

describe('the one-machine setup: userspace proxy over the agent\'s own memory store', () => {
  it.each([
    [['--proxy-mode', 'userspace'], ['127.100.0.0/16']],
    [['--proxy-mode', 'userspace', '-f', 'examples/'], ['127.100.0.0/16']],
    [[], ['10.96.0.0/12']],
    [['--proxy-mode', 'nftables'], ['10.96.0.0/12']],
    // Another store, or a real cluster: ClusterIPs are shared with other hosts, never loopback.
    [['--proxy-mode', 'userspace', '--redis', 'redis://10.0.0.5:6379/0'], ['10.96.0.0/12']],
    [['--proxy-mode', 'userspace', '--kubeconfig', '/k'], ['10.96.0.0/12']],
    // Given: as given.
    [['--proxy-mode', 'userspace', '--service-cluster-ip-range', '10.96.0.0/12'], ['10.96.0.0/12']],
  ])('%j allocates ClusterIPs from %j by default', (argv, range) => {
    expect(parse(argv).serviceClusterIpRange).toEqual(range);
  });
});
