import { execFileSync } from 'node:child_process';
import type { IPFamily } from '../core/types.js';

/**
 * The first iptables version whose MASQUERADE takes `--random-fully` (upstream
 * utiliptables.RandomFullyMinVersion): the source port of SNATed connections is then fully
 * random, which avoids the conntrack insertion races of sequential port picks (kubernetes issue
 * 76699). kube-proxy's iptables proxier adds it to KUBE-POSTROUTING's MASQUERADE when
 * `iptables --version` says at least this.
 */
export const RANDOM_FULLY_MIN_VERSION = [1, 6, 2] as const;

/** `iptables v1.8.9 (nf_tables)` -> [1, 8, 9]; undefined when no version is there (upstream getIPTablesVersion's regexp). */
export function parseIPTablesVersion(output: string): number[] | undefined {
  const m = /v([0-9]+(\.[0-9]+)+)/.exec(output);
  return m ? m[1]!.split('.').map(Number) : undefined;
}

/** Upstream runner.HasRandomFully(): the version is at least RANDOM_FULLY_MIN_VERSION. */
export function supportsRandomFully(versionOutput: string | undefined): boolean {
  const v = versionOutput === undefined ? undefined : parseIPTablesVersion(versionOutput);
  if (!v) return false;
  for (let i = 0; i < RANDOM_FULLY_MIN_VERSION.length; i++) {
    const a = v[i] ?? 0;
    const b = RANDOM_FULLY_MIN_VERSION[i]!;
    if (a !== b) return a > b;
  }
  return true;
}

/** `iptables --version` (or ip6tables) on this host; undefined when it cannot run. */
export function hostIPTablesVersion(family: IPFamily): string | undefined {
  try {
    return execFileSync(family === 'IPv6' ? 'ip6tables' : 'iptables', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
  } catch {
    return undefined;
  }
}
