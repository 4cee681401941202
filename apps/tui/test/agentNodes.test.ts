import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { connectStore, type NodeStatusStore, type Store } from '@svcnet/store';
import { RedisServer, describeWith, redisServer } from '@svcnet/testkit';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { ClusterModel } from '../src/dashboard/clusterModel.js';
import { nodesView } from '../src/dashboard/views.js';
import { runCli } from '../src/program.js';

// Issue 17: nodes as kubectl shows them. Two svcnet-agents (real processes, one redis-server)
// register their Nodes; one is stopped. `svcnet get nodes` and the dashboard's :nodes agree on
// STATUS and INTERNAL-IP, and the stopped agent reads NotReady with its last message.

const REPO = join(import.meta.dirname, '..', '..', '..');
const AGENT = join(REPO, 'apps', 'node-agent', 'src', 'main.ts');
const IPS: Record<string, string> = { 'node-a': '203.0.113.21', 'node-b': '203.0.113.22' };

function startAgent(url: string, node: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [
    '--conditions=@svcnet/source', '--import', 'tsx', AGENT,
    '--redis', url, '--hostname-override', node, '--node-ip', IPS[node]!, '--proxy-mode', 'none',
    '--healthz-bind-address', '', '--metrics-bind-address', '', '--node-status-update-frequency', '500ms', '--log-level', 'warn',
  ], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  return { child, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

async function getNodes(url: string): Promise<string> {
  let out = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out += `${a.join(' ')}\n`));
  try {
    expect(await runCli(['node', 'svcnet', 'get', 'nodes', '-o', 'wide', '--redis', url])).toBe(0);
  } finally {
    log.mockRestore();
  }
  return out;
}

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    const v = await f();
    if (v !== undefined) return v;
  }
  throw new Error(`timed out waiting for ${what}`);
}

describeWith('nodes with two agents, one stopped: get nodes and :nodes agree', [redisServer], () => {
  let redis: RedisServer;
  let store: Store & NodeStatusStore;
  const agents: ReturnType<typeof startAgent>[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    store = await connectStore(redis.url);
    agents.push(startAgent(redis.url, 'node-a'), startAgent(redis.url, 'node-b'));
    await until('both agents registered and ready', async () => {
      const beats = await store.nodeStatus.list();
      return beats.length === 2 && beats.every((b) => b.ready) ? true : undefined;
    });
    // node-b stops (SIGTERM): its last heartbeat and its Node say so.
    agents[1]!.child.kill('SIGTERM');
    expect(await agents[1]!.exited).toBe(0);
  }, 120_000);

  afterAll(async () => {
    for (const a of agents) a.child.kill('SIGKILL');
    await Promise.all(agents.map((a) => a.exited));
    await store?.close();
    await redis?.stop();
  });

  it('lists both with their INTERNAL-IP, the stopped one NotReady, in get nodes and :nodes alike', async () => {
    const table = await getNodes(redis.url);
    const row = (name: string) => table.split('\n').find((l) => l.startsWith(`${name} `))!.split(/\s{2,}/);
    // NAME STATUS ROLES AGE VERSION INTERNAL-IP EXTERNAL-IP ...
    expect(row('node-a').slice(0, 2)).toEqual(['node-a', 'Ready']);
    expect(row('node-b').slice(0, 2)).toEqual(['node-b', 'NotReady']);
    expect(row('node-a')).toContain(IPS['node-a']);
    expect(row('node-b')).toContain(IPS['node-b']);

    const model = new ClusterModel(store, { source: redis.url, agentPollMs: 100 });
    model.start();
    try {
      await model.waitForSync();
      const rows = await until(':nodes with both agents', async () => {
        const r = nodesView.rows(model.snapshot(), {});
        return r.length === 2 && model.snapshot().agents.length === 2 ? r : undefined;
      });
      const cells = Object.fromEntries(rows.map((r) => [r.key, r.cells]));
      // NAME STATUS INTERNAL-IP AGENT HEARTBEAT PROXY-MODE RULES LEADER MESSAGE
      expect(cells['node-a']!.slice(0, 3)).toEqual(['node-a', row('node-a')[1], IPS['node-a']]);
      expect(cells['node-b']!.slice(0, 3)).toEqual(['node-b', row('node-b')[1], IPS['node-b']]);
      expect(cells['node-a']!.at(-1)).toBe('ready');
      expect(cells['node-b']!.at(-1)).toBe('svcnet-agent stopped');
      expect(rows.find((r) => r.key === 'node-b')!.fault).toBe('NotReady');
    } finally {
      model.stop();
    }
  }, 120_000);
});
