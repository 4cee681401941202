import type { ProxyOptions } from '../core/proxyOptions.js';
import type { ProxyState } from '../core/proxyState.js';
import type { Clock } from '@svcnet/store';
import type { ProxierOptions } from '../engine/proxier.js';
import { Proxier } from '../engine/proxier.js';
import type { SyncBackend } from '../engine/proxier.js';
import type { Exec } from '../engine/exec.js';
import { ConntrackCleaner } from '../engine/conntrack.js';
import type { IPFamily } from '../core/types.js';
import { IPTablesApplier } from './iptablesApplier.js';
import { localhostNodePortsEnabled } from '../core/ruleHelpers.js';
import { IPTablesSyncer } from './iptablesSyncer.js';
import type { PreparedIPTablesSync } from './iptablesSyncer.js';

/** iptables mode: the syncer renders (full or partial), the applier loads with --noflush. */
export function iptablesBackend(state: ProxyState, options: ProxyOptions, applier: IPTablesApplier, clock?: Clock, hasRandomFully = false): SyncBackend<PreparedIPTablesSync> {
  const syncer = new IPTablesSyncer(state, options, { ...(clock ? { clock } : {}), hasRandomFully });
  const localnet = localhostNodePortsEnabled(options, state.family);
  let started = false;
  return {
    mode: 'iptables',
    prepare: () => syncer.prepare(),
    async apply(p) {
      if (!started) {
        // Leftover service chains from an earlier run: the first sync deletes them too.
        syncer.deleteLeftovers(p, await applier.existingServiceChains().catch(() => []));
        started = true;
      }
      if (p.full) {
        // Upstream sets route_localnet in NewProxier; here before the rules that rely on it.
        if (localnet) await applier.ensureRouteLocalnet();
        await applier.ensureJumps(localnet);
        // Before the restore: once the rules are back, so are the canaries (a failed restore
        // leaves the sync full, so a canary without rules is never mistaken for a repair).
        await applier.ensureCanaries();
      }
      await applier.restore(p.text);
    },
    commit: (p, ok) => syncer.commit(p, ok),
    forceFullSync: () => syncer.forceFullSync(),
    missingRules: () => applier.missingCanaries(),
    observe(p, m) {
      m.rulesTotal.set({ table: 'filter', ip_family: state.family }, p.result.filterRules);
      m.rulesTotal.set({ table: 'nat', ip_family: state.family }, p.result.natRulesTotal);
      m.noLocalEndpoints.set({ traffic_policy: 'internal', ip_family: state.family }, p.result.noLocalEndpointsInternal);
      m.noLocalEndpoints.set({ traffic_policy: 'external', ip_family: state.family }, p.result.noLocalEndpointsExternal);
    },
  };
}

/**
 * A proxier in iptables mode for one family; `exec` runs the tools (e.g. inside a netns).
 * `hasRandomFully`: MASQUERADE with --random-fully, as upstream when the iptables binary is at
 * least 1.6.2 (supportsRandomFully of `iptables --version`; the caller probes, see KernelProbe).
 */
export function createIPTablesProxier(
  family: IPFamily,
  options: ProxyOptions,
  opts: ProxierOptions & { exec?: Exec; hasRandomFully?: boolean } = {},
): { proxier: Proxier<PreparedIPTablesSync>; applier: IPTablesApplier } {
  const exec = opts.exec ? { exec: opts.exec } : {};
  const applier = new IPTablesApplier(family, exec);
  const conntrack = opts.conntrack ?? new ConntrackCleaner(family, exec);
  const proxier = new Proxier(family, options, (state) => iptablesBackend(state, options, applier, opts.clock, opts.hasRandomFully ?? false), { ...opts, conntrack });
  return { proxier, applier };
}
