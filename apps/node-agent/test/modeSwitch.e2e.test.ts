import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hostIPTablesVersion, supportsRandomFully } from '@svcnet/proxy';
import { NetNs, describeWith, iptablesRestore, netns, nft } from '@svcnet/testkit';
import { curlIn, eventually, startAgent } from './fixtures.js';

// Switching an agent between nftables and iptables mode leaves nothing of the other mode behind,
// as kube-proxy's cleanup at start-up (platformCleanup): issue 17, item 6. In a namespace the test
// makes; the rules are left in place on SIGTERM (as kube-proxy), so the next start finds them.

const NODE = '192.168.60.1';
const yaml = (o: unknown) => `---\n${JSON.stringify(o)}\n`;
const MANIFESTS =
  yaml({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 80, targetPort: 8080 }] } }) +
  yaml({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.244.7.7' }], ports: [{ port: 8080 }] }] });

describeWith('switching proxy modes cleans the other mode\'s leftovers at start', [netns, iptablesRestore, nft], () => {
  let ns: NetNs;
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'svcnet-switch-'));
    writeFileSync(join(dir, 'web.yaml'), MANIFESTS);
    ns = NetNs.create('svsw');
    ns.exec('ip', ['addr', 'add', `${NODE}/32`, 'dev', 'lo']);
  });

  afterAll(() => {
    ns?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the agent in `mode` until its rules are applied, then SIGTERM (rules stay). */
  async function runOnce(mode: 'nftables' | 'iptables'): Promise<void> {
    const agent = startAgent(ns, ['-f', dir, '--proxy-mode', mode, '--node-ip', NODE, '--hostname-override', 'node-1', '--iptables-min-sync-period', '50ms', '--healthz-bind-address', `${NODE}:10256`, '--metrics-bind-address', '']);
    try {
      await eventually(`${mode} agent ready`, () => (curlIn(ns, `http://${NODE}:10256/readyz`) ? true : undefined), 60_000);
    } catch (e) {
      agent.child.kill('SIGKILL');
      throw new Error(`${(e as Error).message}\n${agent.logs()}`);
    }
    agent.child.kill('SIGTERM');
    expect(await agent.exited, agent.logs()).toBe(0);
    expect(agent.logs()).not.toContain('leftovers');
  }

  const tables = () => ns.exec('nft', ['list', 'tables']);
  const iptablesKube = () => (ns.exec('iptables-save', ['-t', 'nat']) + ns.exec('iptables-save', ['-t', 'filter'])).split('\n').filter((l) => l.includes('KUBE-'));

  it('nftables -> iptables removes table ip kube-proxy (and masquerades --random-fully); iptables -> nftables removes the KUBE-* chains', async () => {
    await runOnce('nftables');
    expect(tables()).toContain('table ip kube-proxy');
    expect(iptablesKube()).toEqual([]);

    await runOnce('iptables');
    expect(tables()).not.toContain('table ip kube-proxy');
    expect(tables()).not.toContain('table ip6 kube-proxy');
    const nat = ns.exec('iptables-save', ['-t', 'nat']);
    expect(nat).toMatch(/-A KUBE-SERVICES -d \S+ .*-j KUBE-SVC-/);
    // The agent detected this iptables' --random-fully (>= 1.6.2, as kube-proxy) and uses it.
    if (supportsRandomFully(hostIPTablesVersion('IPv4'))) expect(nat).toContain('-j MASQUERADE --random-fully');

    await runOnce('nftables');
    expect(tables()).toContain('table ip kube-proxy');
    expect(iptablesKube()).toEqual([]);
  }, 180_000);
});
