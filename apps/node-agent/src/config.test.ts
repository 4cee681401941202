import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, flagTable, parseArgs, readConfigFile, resolveConfig } from './config.js';
import { ConfigError } from './errors.js';
import { FLAGS } from './flags.js';

const parse = (argv: string[]) => parseArgs(argv, '1.2.3', { out: () => undefined, err: () => undefined });

describe('flags and config file', () => {
  it('has kube-proxy defaults', () => {
    const c = parse([]);
    expect(c).toMatchObject({
      proxyMode: 'iptables',
      healthzBindAddress: '0.0.0.0:10256',
      metricsBindAddress: '127.0.0.1:10249',
      masqueradeAll: false,
      localhostNodeports: false,
      iptablesMinSyncPeriod: 1000,
      iptablesSyncPeriod: 30_000,
      clusterDomain: 'cluster.local',
      leaderElectLeaseDuration: 15_000,
      manifests: [],
      loadbalancerPool: [],
      nodeportAddresses: [],
      ingressTrustedProxy: [],
      cleanup: false,
      cleanupOnExit: false,
    });
    expect(c.reconcileEndpoints).toBeUndefined();
    expect(c.dnsListen).toBeUndefined();
  });

  it.each([
    [['--proxy-mode', 'nftables'], { proxyMode: 'nftables' }],
    [['--masquerade-all', '--localhost-nodeports'], { masqueradeAll: true, localhostNodeports: true }],
    [['--cluster-cidr', '10.0.0.0/8,fd00::/48'], { clusterCidr: ['10.0.0.0/8', 'fd00::/48'] }],
    [['--loadbalancer-pool', '10.0.0.0/28', '--loadbalancer-pool', '10.1.0.1-10.1.0.9'], { loadbalancerPool: ['10.0.0.0/28', '10.1.0.1-10.1.0.9'] }],
    [['-f', 'a', '-f', 'b'], { manifests: ['a', 'b'] }],
    [['--iptables-min-sync-period', '250ms', '--leader-elect-lease-duration', '1m0s'], { iptablesMinSyncPeriod: 250, leaderElectLeaseDuration: 60_000 }],
    [['--no-reconcile-endpoints'], { reconcileEndpoints: false }],
    [['--reconcile-endpoints'], { reconcileEndpoints: true }],
    [['--dns-upstream', 'none'], { dnsUpstream: [] }],
    [['--dns-listen', '[::1]:5353'], { dnsListen: '[::1]:5353' }],
    [['--default-ssl-certificate', 'ingress/default-tls'], { defaultSslCertificate: 'ingress/default-tls' }],
    [['--dns-allow', '10.244.0.0/16,10.0.0.11', '--dns-allow', 'fd00::/64'], { dnsAllow: ['10.244.0.0/16', '10.0.0.11', 'fd00::/64'] }],
    [[], { dnsAllow: [], dnsWorkers: 'auto', ingressWorkers: 'auto' }],
    [['--dns-workers', '2', '--ingress-workers', 'auto'], { dnsWorkers: 2, ingressWorkers: 'auto' }],
    [['--ingress-trusted-proxy', '10.0.0.0/8,192.168.1.5', '--ingress-trusted-proxy', 'fd00::/8'], { ingressTrustedProxy: ['10.0.0.0/8', '192.168.1.5', 'fd00::/8'] }],
  ])('%j', (argv, want) => {
    expect(parse(argv)).toMatchObject(want);
  });

  it.each([
    [['--proxy-mode', 'bogus'], /argument 'bogus' is invalid/],
    [['--iptables-sync-period', 'soon'], /--iptables-sync-period "soon" is not a duration: write e.g. 500ms/],
    [['--dns-listen', '53'], /--dns-listen "53" is not ADDR:PORT/],
    [['--kubeconfig', 'k', '-f', 'x'], /two sources: give one/],
    [['--context', 'c'], /--context needs --kubeconfig/],
    [['--dns-allow', '10.244.0.0/33'], /--dns-allow: plugin\/acl: "10.244.0.0\/33" is not a CIDR or an IP address: write networks such as 10.244.0.0\/16/],
    [['--no-such-flag'], /unknown option '--no-such-flag'/],
    [['--default-ssl-certificate', 'just-a-name'], /--default-ssl-certificate "just-a-name" is not NAMESPACE\/SECRET/],
    [['--ingress-trusted-proxy', '10.0.0.0/8,office'], /--ingress-trusted-proxy "office" is not an IP address or CIDR: write e.g. 10.0.0.0\/8/],
    [['--ingress-trusted-proxy', '10.0.0.0/33'], /--ingress-trusted-proxy "10.0.0.0\/33" is not an IP address or CIDR/],
    [['--simulate-backends'], /--simulate-backends needs -f/],
    [['--dns-workers', '0'], /--dns-workers "0" is invalid: give a number of workers from 1 to 64, or auto/],
    [['--ingress-workers', 'many'], /--ingress-workers "many" is invalid/],
  ])('rejects %j with exit code 2', (argv, message) => {
    let err: unknown;
    try {
      parse(argv);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(message);
  });

  it('generates --help from the flag table', () => {
    let help = '';
    expect(() => parseArgs(['--help'], '1.2.3', { out: (s) => (help += s), err: () => undefined })).toThrow(CommanderError);
    for (const f of FLAGS) expect(help).toContain(`--${f.flag}`);
    expect(help).toContain('Exit codes:');
    const table = flagTable();
    for (const f of FLAGS) expect(table).toContain(`\`--${f.flag}\``);
    // The README's table is this one, as generated (regenerate it after changing FLAGS).
    expect(readFileSync(new URL('../README.md', import.meta.url), 'utf8')).toContain(table);
  });

  it('reads a config file with kube-proxy keys; flags given on the command line win', () => {
    const text = [
      'apiVersion: svcnet.io/v1alpha1',
      'kind: AgentConfiguration',
      'mode: nftables',
      'hostnameOverride: node-a',
      'clusterCIDR: 10.0.0.0/8',
      'iptables:',
      '  masqueradeAll: true',
      '  minSyncPeriod: 2s',
      'loadBalancer:',
      '  pools: [10.9.0.0/28]',
      'dns:',
      '  listen: 0.0.0.0:53',
      '  allow: [10.0.0.0/8, 192.168.0.0/16]',
      '  workers: 3',
      'ingress:',
      '  trustedProxies: [10.0.0.0/24, "::1"]',
    ].join('\n');
    const program = buildProgram('1.2.3').exitOverride();
    program.parse(['--config', 'agent.yaml', '--proxy-mode', 'userspace'], { from: 'user' });
    const c = resolveConfig(program, (p) => readConfigFile(p, text));
    expect(c).toMatchObject({ proxyMode: 'userspace', hostnameOverride: 'node-a', clusterCidr: ['10.0.0.0/8'], masqueradeAll: true, iptablesMinSyncPeriod: 2000, loadbalancerPool: ['10.9.0.0/28'], dnsListen: '0.0.0.0:53', dnsAllow: ['10.0.0.0/8', '192.168.0.0/16'], dnsWorkers: 3, ingressTrustedProxy: ['10.0.0.0/24', '::1'] });
  });

  it.each([
    ['iptables:\n  masquradeAll: true', /unknown key "iptables.masquradeAll": did you mean "iptables.masqueradeAll"\?/],
    ['mode: 7', /mode: expected one of iptables/],
    ['iptables:\n  masqueradeAll: "yes"', /iptables.masqueradeAll: expected true or false/],
    ['kind: KubeProxyConfiguration', /write "kind: AgentConfiguration"/],
    ['- a\n- b', /expected a mapping/],
    ['mode: [unclosed', /not valid YAML or JSON/],
  ])('config file %j is refused with the key and the fix', (text, message) => {
    expect(() => readConfigFile('agent.yaml', text)).toThrow(message);
  });

  it('--write-config-to gives an AgentConfiguration that --config reads back to the same settings (kube-proxy\'s flag)', () => {
    const flags = ['-f', 'a.yaml,b/', '--proxy-mode', 'nftables', '--iptables-sync-period', '10s', '--redis', 'redis://10.0.0.5:6379/0', '--redis-min-replicas', '1', '--dns-listen', '127.0.0.1:5353', '--dns-upstream', 'none', '--no-reconcile-endpoints', '--dns-workers', '2'];
    const written = parse([...flags, '--write-config-to', 'x.yaml']);
    const doc = written.configDocument!;
    expect(doc).toMatch(/^apiVersion: svcnet\.io\/v1alpha1\nkind: AgentConfiguration\n/);
    expect(doc).toContain('mode: nftables');
    expect(doc).toMatch(/iptables:\n(\s+\w+: .+\n)*\s+syncPeriod: 10s/);
    const file = join(mkdtempSync(join(tmpdir(), 'svcnet-agent-config-')), 'agent.yaml');
    writeFileSync(file, doc);
    const read = parse(['--config', file]);
    const { writeConfigTo: _w, configDocument: _d, config: _c, ...expected } = written;
    const { config: _c2, ...actual } = read;
    expect(actual).toEqual(expected);
    // Defaults are written out too: the file is the whole configuration, as kube-proxy's.
    expect(parse(['--write-config-to', '-']).configDocument).toContain('healthzBindAddress: 0.0.0.0:10256');
  });

  it('a missing config file is a config error (exit 2) naming the path', () => {
    expect(() => parse(['--config', '/nonexistent/agent.yaml'])).toThrow(/--config \/nonexistent\/agent.yaml: cannot read it \(ENOENT\)/);
  });
});
