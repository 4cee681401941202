import { describe, expect, it } from 'vitest';
import { ManualClock } from '@svcnet/store';
import { proxyOptions } from '../core/proxyOptions.js';
import { proxyMetrics } from './metrics.js';
import { Proxier } from './proxier.js';

/** A mode whose "kernel" is a flag: the monitor must notice it go and force a full sync. */
function fakeMode(clock: ManualClock) {
  const kernel = { present: false, fullSyncs: 0, checks: 0 };
  let force = true;
  const proxier = new Proxier('IPv4', proxyOptions({ syncPeriodMs: 60_000 }), (state) => ({
    mode: 'test',
    prepare: () => ({ full: force, changes: state.checkout() }),
    apply: async (p) => {
      if (p.full) {
        kernel.fullSyncs++;
        kernel.present = true;
      }
    },
    commit: (_p, ok) => { force = !ok; },
    forceFullSync: () => { force = true; },
    missingRules: async () => {
      kernel.checks++;
      return kernel.present ? [] : ['nat/KUBE-PROXY-CANARY deleted'];
    },
  }), { clock, metrics: proxyMetrics(), monitorIntervalMs: 1000 });
  return { proxier, kernel };
}

const settle = async (p: Proxier<never> | { idle(): Promise<void> }) => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  await p.idle();
};

describe('rule monitor (upstream canary Monitor)', () => {
  it('checks every interval and forces one full sync when the rules are gone', async () => {
    const clock = new ManualClock(1_000_000);
    const { proxier, kernel } = fakeMode(clock);
    proxier.start();
    clock.advance(0);
    await settle(proxier);
    expect(kernel.fullSyncs).toBe(1);
    clock.advance(1000);
    await settle(proxier);
    expect(kernel.checks).toBe(1);
    expect(kernel.fullSyncs).toBe(1);
    kernel.present = false; // someone ran `iptables -t nat -F`
    clock.advance(1000);
    await settle(proxier);
    clock.advance(0);
    await settle(proxier);
    expect(kernel.fullSyncs).toBe(2);
    expect(kernel.present).toBe(true);
    expect(proxier.getStatus().rulesRestored).toBe(1);
    expect(await proxier.metrics.registry.metrics()).toMatch(/svcnet_proxy_rules_missing_total\{ip_family="IPv4"\} 1/);
    proxier.stop();
    expect(clock.pending).toBe(0);
  });

  it('does not check before the first sync, and reports a repair only once', async () => {
    const clock = new ManualClock(1_000_000);
    const { proxier, kernel } = fakeMode(clock);
    expect(await proxier.checkRules()).toEqual([]);
    expect(kernel.checks).toBe(0);
    await proxier.syncProxyRules();
    kernel.present = false;
    expect(await proxier.checkRules()).toEqual(['nat/KUBE-PROXY-CANARY deleted']);
    // Repair pending (runner not started): no second count.
    expect(await proxier.checkRules()).toEqual([]);
    await proxier.syncProxyRules();
    expect(kernel.present).toBe(true);
    expect(proxier.getStatus().rulesRestored).toBe(1);
  });
});
