// A stuck controller is visible: the agent leads the endpoints controller on a Redis primary with
// one replica and --redis-min-replicas 1; the replica is stopped (SIGSTOP), so the store holds every
// write of the agent (each waits in WAIT for a replica that does not answer) while a client without
// that option still writes. A Pod change then waits in the controller: /healthz turns 503 and names
// the controller, the metrics show the change's age; the replica resumes, the write goes through and
// /healthz is 200 again.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '@svcnet/model';
import { RedisStore, type StoreLogger } from '@svcnet/store';
import { describeWith, freePort, redisServer } from '@svcnet/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MAIN, eventually } from './fixtures.js';

const quiet: StoreLogger = { error: () => undefined, warn: () => undefined };

const pod = (ready: boolean): Pod & { kind: 'Pod' } => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web-0', namespace: 'default', labels: { app: 'web' } },
  spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 8080 }] }] },
  status: { phase: 'Running', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

function accepts(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(undefined));
  });
}

async function get(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return { status: r.status, body: await r.text() };
  } catch {
    return undefined;
  }
}

describeWith('svcnet-agent /healthz for a stuck controller', [redisServer], () => {
  const children: ChildProcess[] = [];
  let dir: string;
  let replica: ChildProcess;
  let admin: RedisStore;
  let primaryPort: number;
  let agentLogs = '';
  const start = (cmd: string, args: string[]) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout?.resume();
    c.stderr?.on('data', (d: Buffer) => (agentLogs = (agentLogs + d.toString()).slice(-4000)));
    children.push(c);
    return c;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'svcnet-agent-health-'));
    primaryPort = await freePort();
    const replicaPort = await freePort();
    const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxmemory-policy', 'noeviction', '--repl-diskless-sync-delay', '0'];
    start('redis-server', ['--port', String(primaryPort), ...common]);
    // The store fails fast on a refused connection: wait until the new server listens.
    await eventually('redis-server to listen', () => accepts(primaryPort), 10_000, 50);
    admin = new RedisStore({ url: `redis://127.0.0.1:${primaryPort}`, logger: quiet });
    await admin.ready(10_000);
    replica = start('redis-server', ['--port', String(replicaPort), '--replicaof', '127.0.0.1', String(primaryPort), ...common]);
    await eventually('the replica to be in sync', async () => (/connected_slaves:1/.test(await admin.redis.info('replication')) ? true : undefined), 10_000, 50);
  });
  afterAll(async () => {
    if (replica?.signalCode === null) replica.kill('SIGCONT');
    await admin?.close().catch(() => undefined);
    for (const c of children.reverse()) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('fails /healthz while the endpoints controller cannot write, and recovers when it can', async () => {
    await admin.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
    const { status: _s, ...object } = pod(true);
    await admin.apply(object);
    await admin.updateStatus(pod(true));
    const [healthPort, metricsPort] = [await freePort(), await freePort()];
    const agent = start(process.execPath, [
      '--conditions=@svcnet/source', '--import', 'tsx', MAIN,
      '--redis', `redis://127.0.0.1:${primaryPort}`, '--redis-min-replicas', '1', '--redis-replica-timeout', '60s',
      '--controller-health-timeout', '1s', '--hostname-override', 'node-1', '--proxy-mode', 'none',
      '--healthz-bind-address', `127.0.0.1:${healthPort}`, '--metrics-bind-address', `127.0.0.1:${metricsPort}`, '--log-level', 'warn',
    ]);
    const healthz = `http://127.0.0.1:${healthPort}/healthz`;
    const readyAddresses = async () => (await admin.get('Endpoints', 'default', 'web'))?.subsets?.[0]?.addresses?.length ?? 0;
    try {
      await eventually('the agent to write the Endpoints', async () => ((await readyAddresses()) === 1 ? true : undefined), 60_000);
      expect((await get(healthz))?.status).toBe(200);

      // Hold the agent's writes: the replica stops acknowledging. The client without minReplicas still writes.
      replica.kill('SIGSTOP');
      await admin.updateStatus(pod(false));
      const bad = await eventually('/healthz to fail', async () => {
        const r = await get(healthz);
        return r?.status === 503 ? r : undefined;
      }, 20_000, 100);
      expect(JSON.parse(bad.body)).toMatchObject({ healthy: false, stalledControllers: [{ controller: 'endpoints' }] });
      const metrics = (await get(`http://127.0.0.1:${metricsPort}/metrics`))!.body;
      const age = Number(/svcnet_controller_oldest_unfinished_change_seconds\{controller="endpoints"\} ([\d.e+-]+)/.exec(metrics)?.[1]);
      expect(age).toBeGreaterThan(1);
      expect(metrics).toMatch(/workqueue_longest_running_processor_seconds\{name="endpoints"\} [1-9]/);
      // (The write itself is on the primary already, visible to readers: WAIT holds only its
      // acknowledgement, and so the controller's sync.)

      // Writes flow again: the held write completes, the Pod is out of the ready addresses, /healthz is 200.
      replica.kill('SIGCONT');
      await eventually('/healthz to recover', async () => ((await get(healthz))?.status === 200 ? true : undefined), 20_000, 100);
      expect(await readyAddresses()).toBe(0);
      const after = (await get(`http://127.0.0.1:${metricsPort}/metrics`))!.body;
      expect(Number(/svcnet_controller_last_write_timestamp_seconds\{controller="endpoints"\} ([\d.e+-]+)/.exec(after)?.[1]) * 1000).toBeGreaterThan(Date.now() - 30_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nagent log:\n${agentLogs}`);
    } finally {
      agent.kill('SIGTERM');
    }
  });
});
