import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetNs, binary, curl, describeWith, netns, redisServer, vethPair } from '@svcnet/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT } from './fixtures.js';

// The README's two-agent block, run as written: its fixed ports (6379, 10249/10250, 10256/10257)
// are those of a network namespace of the test's own, which has one address of its own (what the
// agents take as their node IP), as a machine has.

const NODE_IP = '192.168.77.2';

/** The README's shell block that starts node-b, as one script (continuation lines joined). */
function twoAgentBlock(): string {
  const text = readFileSync(join(ROOT, 'apps/node-agent/README.md'), 'utf8');
  const block = [...text.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1]!).find((b) => b.includes('--hostname-override node-b'));
  if (!block) throw new Error('apps/node-agent/README.md has no shell block starting node-b');
  return block.replace(/\\\n\s*/g, ' ');
}

function runIn(ns: NetNs, script: string, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns.name, 'bash', '-e', '-c', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describeWith("the README's two agents on one machine, as written", [netns, redisServer, binary('redis-cli', 'redis-tools'), curl], () => {
  let host: NetNs;
  let peer: NetNs;

  beforeAll(() => {
    // `npx svcnet-agent` and `npx svcnet` run the built apps: build them from this tree first.
    execFileSync('npx', ['nx', 'run-many', '-t', 'build', '-p', 'svcnet-agent,svcnet', '--output-style=stream-without-prefixes'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
      env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false' },
    });
    host = NetNs.create('svm');
    peer = NetNs.create('svp');
    vethPair(host, `${NODE_IP}/24`, peer, '192.168.77.1/24');
  }, 600_000);

  afterAll(() => {
    // Whatever the script left (a failed run): the daemonized redis-server first, then the namespaces.
    try {
      host?.exec('redis-cli', ['-p', '6379', 'shutdown', 'nosave']);
    } catch {
      // not running
    }
    host?.destroy();
    peer?.destroy();
  });

  it('starts both agents on one redis-server; get nodes lists both Ready with the INTERNAL-IP, get pods one set', async () => {
    const r = await runIn(host, twoAgentBlock(), 240_000);
    expect(r.code, r.out).toBe(0);
    const nodes = r.out.split('\n').filter((l) => /^node-[ab]\s/.test(l));
    expect(nodes).toHaveLength(2);
    // get nodes -o wide: NAME STATUS ROLES AGE VERSION INTERNAL-IP ...
    for (const l of nodes) expect(l).toMatch(/^node-[ab]\s+Ready\s+<none>\s+\S+\s+svcnet-agent\/\S+\s+192\.168\.77\.2\s/);
    // get pods -A -o wide: NAMESPACE NAME READY STATUS RESTARTS AGE IP NODE ...: each address once.
    const pods = r.out.split('\n').filter((l) => /\s10\.244\.\d+\.\d+\s+node-[ab]\s/.test(l));
    expect(pods.length).toBeGreaterThan(10);
    const ips = pods.map((l) => l.match(/\s(10\.244\.\d+\.\d+)\s/)![1]);
    expect(new Set(ips).size).toBe(ips.length);
    // One writer: every simulated Pod on one node.
    expect(new Set(pods.map((l) => l.match(/\s(node-[ab])\s/)![1])).size).toBe(1);
  }, 300_000);
});
