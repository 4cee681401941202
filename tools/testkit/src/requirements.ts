import { execFileSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { describe, it } from 'vitest';

/** Something a test needs from the machine: a binary on PATH, root, or a kernel feature. */
export interface Requirement {
  readonly name: string;
  /** Undefined when the requirement is met, otherwise why it is not (and how to get it). */
  check(): string | undefined;
  /**
   * For a feature of the JavaScript runtime: another runtime of this test run that has it (see
   * `nodeFeature`), or undefined. Such a requirement skips even under SVCNET_REQUIRE_ALL, since the
   * same tests run on that runtime too; nothing installed on the machine would make it pass here.
   */
  coveredBy?(): string | undefined;
}

const cache = new Map<string, string | undefined>();
function memo(key: string, f: () => string | undefined): string | undefined {
  if (!cache.has(key)) cache.set(key, f());
  return cache.get(key);
}

/** A binary that must be on PATH; `pkg` names the Debian package that installs it. */
export function binary(bin: string, pkg: string): Requirement {
  return {
    name: bin,
    check: () =>
      memo(`bin:${bin}`, () => {
        try {
          execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
          return undefined;
        } catch {
          return `${bin} is not installed (apt-get install ${pkg}, or npm run setup:system)`;
        }
      }),
  };
}

export const root: Requirement = {
  name: 'root',
  check: () => (process.getuid?.() === 0 ? undefined : 'needs root (network namespaces and firewall rules)'),
};

/** Root plus the ability to create a network namespace (fails inside some containers). */
export const netns: Requirement = {
  name: 'netns',
  check: () =>
    memo('netns', () => {
      const r = root.check() ?? binary('ip', 'iproute2').check();
      if (r) return r;
      const name = `svcnet-probe-${process.pid}`;
      try {
        execFileSync('ip', ['netns', 'add', name], { stdio: 'ignore' });
        execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
        return undefined;
      } catch (e) {
        return `cannot create network namespaces here: ${(e as Error).message}`;
      }
    }),
};

export const redisServer = binary('redis-server', 'redis-server');
export const redisCli = binary('redis-cli', 'redis-tools');
export const dig = binary('dig', 'dnsutils');
export const iptablesRestore = binary('iptables-restore', 'iptables');
export const nft = binary('nft', 'nftables');
export const curl = binary('curl', 'curl');
export const openssl = binary('openssl', 'openssl');

/**
 * A Node.js feature that came in `since` (the first release of each line that has it: `['22.12',
 * '23.1']`; later majors have it). CI runs the suite on several Node versions and lists them in
 * SVCNET_TEST_RUNTIMES (`v24.22.3 v20.20.0`, set by .ci/run): on a runtime without the feature
 * the test skips with its reason, and under SVCNET_REQUIRE_ALL=1 it still skips when a listed
 * runtime has the feature (the test runs there), and fails when none does (it would run nowhere).
 */
export function nodeFeature(feature: string, since: readonly string[]): Requirement {
  const has = (version: string) => {
    const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
    const lines = since.map((s) => s.split('.').map(Number) as [number, number]);
    return lines.some(([m, n]) => m === major && minor >= n) || major > Math.max(...lines.map(([m]) => m));
  };
  return {
    name: `Node with ${feature}`,
    check: () => (has(process.versions.node) ? undefined : `Node ${process.versions.node} has no ${feature} (Node ${since.join('+ or ')}+ does)`),
    coveredBy: () => (process.env['SVCNET_TEST_RUNTIMES'] ?? '').split(/[\s,]+/).find((v) => v !== '' && has(v)),
  };
}

/** SO_REUSEPORT for dgram and net sockets (nodejs/node#55403): DNS and ingress workers. */
export const reusePort = nodeFeature('reusePort', ['22.12', '23.1']);

/** True when CI asked that a test whose requirements are missing fails instead of skipping. */
export function requireAll(): boolean {
  return process.env['SVCNET_REQUIRE_ALL'] === '1';
}

/** Why the requirements are not met, or undefined when all are. */
export function missing(needs: readonly Requirement[]): string | undefined {
  const reasons = needs.map((n) => n.check()).filter((r): r is string => r !== undefined);
  return reasons.length ? reasons.join('; ') : undefined;
}

/**
 * A describe block that runs only where its requirements are met. Otherwise it prints the reason and
 * skips, or, with SVCNET_REQUIRE_ALL=1, registers one failing test that states the reason.
 */
export function describeWith(name: string, needs: readonly Requirement[], body: () => void): void {
  const reason = missing(needs);
  if (reason === undefined) {
    describe(name, body);
    return;
  }
  const unmet = needs.filter((n) => n.check() !== undefined);
  const elsewhere = unmet.map((n) => n.coveredBy?.()).filter((v): v is string => v !== undefined);
  if (requireAll() && elsewhere.length < unmet.length) {
    describe(name, () => {
      it('has what it needs on this machine', () => {
        throw new Error(`${name}: ${reason} (SVCNET_REQUIRE_ALL=1 turns this skip into a failure)`);
      });
    });
    return;
  }
  console.warn(`[svcnet] skipping "${name}": ${reason}${elsewhere.length ? ` (runs on Node ${elsewhere[0]} in this test run)` : ''}`);
  describe.skipIf(true)(name, body);
}

/**
 * This machine's first non-loopback IPv4 address, for tests whose backends must not be on loopback
 * (the store refuses loopback endpoints, as the API server does). Traffic to it never leaves the host.
 */
export function hostIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

export const hostAddress: Requirement = {
  name: 'host address',
  check: () => (hostIPv4() ? undefined : 'this machine has no non-loopback IPv4 address (tests that need a backend off loopback use one)'),
};
