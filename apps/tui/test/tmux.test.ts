import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { openStore } from '@svcnet/store';
import { binary, describeWith, RedisServer, redisServer } from '@svcnet/testkit';

const tmux = binary('tmux', 'tmux');
const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(appDir, '../..');
const session = `svcnet-tui-${process.pid}`;

const run = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = () => run('capture-pane', '-p', '-t', session);
const keys = (...k: string[]) => run('send-keys', '-t', session, ...k);

async function waitForScreen(pred: (s: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      last = screen();
    } catch {
      last = '(session gone)';
    }
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${last}`);
}

describeWith('svcnet dashboard in a real terminal (tmux)', [tmux], () => {
  afterAll(() => {
    try {
      run('kill-session', '-t', session);
    } catch {
      // already ended
    }
  });

  it('shows the demo, filters, renders rules and quits on q', async () => {
    // CI=false: Ink draws only the last frame when it thinks it runs under CI.
    const cmd = `cd ${repo} && CI=false NO_COLOR=1 node --conditions=@svcnet/source --import tsx apps/tui/src/cli.ts --demo 2>/tmp/${session}.err`;
    run('new-session', '-d', '-s', session, '-x', '140', '-y', '40', cmd);
    let s = await waitForScreen((x) => /hostnames\s+ClusterIP\s+\S+\s+<none>\s+80\/TCP\s+[23]\/3/.test(x), 'the hostnames pods to turn ready');
    expect(s).toContain('svcnet · demo');
    expect(s).toMatch(/Services \(\d+\)/);

    keys('/');
    keys('-l', 'hostnames');
    keys('Enter');
    s = await waitForScreen((x) => x.includes('Services (1)'), 'the filter to leave one service');
    expect(s).toMatch(/default\s+hostnames/);
    expect(s).not.toContain('coffee-svc');

    keys('-l', ':rules');
    keys('Enter');
    s = await waitForScreen((x) => x.includes('rules default/hostnames'), 'the rules view');
    expect(s).toMatch(/-A KUBE-SERVICES .*default\/hostnames:default cluster IP/);
    expect(s).toMatch(/-j DNAT --to-destination 10\.244\.\d+\.\d+:9376/);

    keys('Escape');
    await waitForScreen((x) => x.includes('Services (1)'), 'back to the table');
    keys('q');
    await waitForScreen((x) => x === '(session gone)' || !x.includes('svcnet ·'), 'the dashboard to quit', 10_000);
  }, 60_000);
});

describeWith('svcnet --redis in a real terminal, with an agent writing', [tmux, redisServer], () => {
  const name = `${session}-redis`;
  let redis: RedisServer | undefined;
  afterAll(async () => {
    try {
      run('kill-session', '-t', name);
    } catch {
      // already ended
    }
    await redis?.stop();
  });

  it('shows what is written to the shared store, live, and the agents on :nodes', async () => {
    redis = await RedisServer.start();
    const url = `unix://${redis.socketPath}`;
    const store = openStore(url) as ReturnType<typeof openStore> & { disconnect(): void };
    try {
      await store.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'shared-web', namespace: 'default' }, spec: { selector: { app: 'w' }, ports: [{ port: 80 }] } });
      await store.nodeStatus.heartbeat('host-1', { proxyMode: 'nftables', message: 'rules applied' });
      const cmd = `cd ${repo} && CI=false NO_COLOR=1 node --conditions=@svcnet/source --import tsx apps/tui/src/cli.ts --redis ${url} 2>/tmp/${name}.err`;
      run('new-session', '-d', '-s', name, '-x', '140', '-y', '30', cmd);
      const screenOf = () => run('capture-pane', '-p', '-t', name);
      const waitOn = async (pred: (x: string) => boolean, what: string) => {
        const deadline = Date.now() + 30_000;
        let last = '';
        while (Date.now() < deadline) {
          try { last = screenOf(); } catch { last = '(session gone)'; }
          if (pred(last)) return last;
          await new Promise((r) => setTimeout(r, 200));
        }
        throw new Error(`timed out waiting for ${what}; screen:\n${last}`);
      };
      let s = await waitOn((x) => x.includes('shared-web'), 'the service written before start');
      expect(s).toContain(url);
      await store.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'late-api', namespace: 'default' }, spec: { selector: { app: 'a' }, ports: [{ port: 8080 }] } });
      s = await waitOn((x) => x.includes('late-api'), 'a service written while watching');
      expect(s).toMatch(/late-api\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+8080\/TCP/);
      run('send-keys', '-t', name, '-l', ':nodes');
      run('send-keys', '-t', name, 'Enter');
      s = await waitOn((x) => x.includes('host-1'), 'the agent on :nodes');
      expect(s).toMatch(/host-1\s+Ready.*nftables.*rules applied/);
      // Quitting while Redis is down does not wait for it: the terminal is back at once.
      store.disconnect();
      await redis.stop();
      redis = undefined;
      await waitOn((x) => /error|connecting/.test(x), 'the header to show the lost connection').catch(() => undefined);
      run('send-keys', '-t', name, 'q');
      const quitDeadline = Date.now() + 4000;
      let gone = false;
      while (!gone && Date.now() < quitDeadline) {
        try {
          screenOf();
          await new Promise((r) => setTimeout(r, 100));
        } catch {
          gone = true;
        }
      }
      expect(gone, 'the dashboard had not exited 4 s after q with Redis down').toBe(true);
    } finally {
      store.disconnect();
    }
  }, 60_000);
});

describeWith('svcnet -f with a broken manifest, in a real terminal', [tmux], () => {
  const name = `${session}-problems`;
  const dir = mkdtempSync(join(tmpdir(), 'svcnet-tui-problems-'));
  afterAll(() => {
    try {
      run('kill-session', '-t', name);
    } catch {
      // already ended
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts the problem in the header while running and lists it on :events with its file and line', async () => {
    writeFileSync(join(dir, 'good.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: fine}\nspec:\n  ports: [{port: 80}]\n');
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: Servce\nmetadata: {name: typo}\n');
    const cmd = `cd ${repo} && CI=false NO_COLOR=1 node --conditions=@svcnet/source --import tsx apps/tui/src/cli.ts -f ${dir} --log-file ${dir}/dashboard.log 2>/tmp/${name}.err`;
    run('new-session', '-d', '-s', name, '-x', '160', '-y', '30', cmd);
    const screenOf = () => run('capture-pane', '-p', '-t', name);
    const waitOn = async (pred: (x: string) => boolean, what: string) => {
      const deadline = Date.now() + 30_000;
      let last = '';
      while (Date.now() < deadline) {
        try { last = screenOf(); } catch { last = '(session gone)'; }
        if (pred(last)) return last;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`timed out waiting for ${what}; screen:\n${last}`);
    };
    let s = await waitOn((x) => x.includes('fine'), 'the good Service');
    expect(s).toContain('1 manifest problem');
    run('send-keys', '-t', name, '-l', ':events');
    run('send-keys', '-t', name, 'Enter');
    s = await waitOn((x) => x.includes('bad.yaml:2'), 'the problem on :events');
    expect(s).toMatch(/PROBLEM\s+Manifest\s+\S*bad\.yaml:2/);
    run('send-keys', '-t', name, 'q');
  }, 60_000);
});
