import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RedisClusterOptions {
  /** Primaries (default 3), each with `replicas` replicas (default 1). */
  readonly primaries?: number;
  readonly replicas?: number;
  /** cluster-node-timeout: how long a silent primary takes to be failed over (default 1000 ms). */
  readonly nodeTimeoutMs?: number;
  /** Extra redis.conf directives for every node. */
  readonly args?: readonly string[];
}

export interface ClusterNode {
  readonly port: number;
  /** The cluster bus port (set explicitly: `port + 10000` may not be free). */
  readonly busPort: number;
  readonly dir: string;
  child: ChildProcess | undefined;
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the kernel picked it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A real Redis Cluster for one test file: `primaries` x (1 + `replicas`) redis-server processes
 * with `--cluster-enabled yes` on loopback ports picked free at start (Cluster has no unix
 * sockets), joined by `redis-cli --cluster create`. `kill(port)` and `restart(port)` let fault
 * tests fail a primary over; `stop()` ends them all and removes their folders.
 */
export class RedisCluster {
  readonly nodes: ClusterNode[] = [];
  private readonly base: string;

  private constructor(private readonly options: RedisClusterOptions) {
    this.base = mkdtempSync(join(tmpdir(), 'svcnet-redis-cluster-'));
  }

  static async start(options: RedisClusterOptions = {}): Promise<RedisCluster> {
    const c = new RedisCluster(options);
    try {
      await c.create();
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  /** Startup nodes for a cluster client (ioredis `new Cluster(nodes)`, RedisStore's `cluster.nodes`). */
  get startupNodes(): { host: string; port: number }[] {
    return this.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
  }

  private async create(): Promise<void> {
    const total = (this.options.primaries ?? 3) * (1 + (this.options.replicas ?? 1));
    const ports = new Set<number>();
    while (ports.size < total * 2) ports.add(await freePort());
    const list = [...ports];
    for (let i = 0; i < total; i++) {
      const dir = join(this.base, `n${i}`);
      mkdirSync(dir);
      this.nodes.push({ port: list[i]!, busPort: list[total + i]!, dir, child: undefined });
    }
    await Promise.all(this.nodes.map((n) => this.launch(n)));
    await run('redis-cli', ['--cluster', 'create', ...this.nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(this.options.replicas ?? 1), '--cluster-yes'], { timeout: 60_000 });
    await this.waitHealthy();
  }

  private async launch(n: ClusterNode): Promise<void> {
    const args = [
      '--port', String(n.port), '--bind', '127.0.0.1', '--dir', n.dir,
      '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(n.busPort),
      '--cluster-node-timeout', String(this.options.nodeTimeoutMs ?? 1000),
      '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--repl-diskless-sync-delay', '0',
      ...(this.options.args ?? []),
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    n.child = child;
    for (const deadline = Date.now() + 10_000; ; ) {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${n.port} exited with ${child.exitCode}: ${stderr}`);
      if ((await this.cli(n.port, 'PING').catch(() => '')) === 'PONG') return;
      if (Date.now() > deadline) throw new Error(`redis-server on port ${n.port} did not answer in time: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** One command through redis-cli against one node; its reply as text. */
  async cli(port: number, ...args: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 5000 });
    return stdout.trim();
  }

  /** Every live node says cluster_state:ok and every slot is served (bounded by `ms`). */
  async waitHealthy(ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      const live = this.nodes.filter((n) => n.child && n.child.exitCode === null && n.child.signalCode === null);
      const infos = await Promise.all(live.map((n) => this.cli(n.port, 'CLUSTER', 'INFO').catch(() => '')));
      if (infos.every((i) => /cluster_state:ok/.test(i) && /cluster_slots_ok:16384/.test(i))) return;
      if (Date.now() > deadline) throw new Error(`redis cluster not healthy after ${ms} ms: ${infos.map((i) => /cluster_state:\w+/.exec(i)?.[0]).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The port of the primary serving `key`'s slot now (asked of a live node). */
  async primaryOf(key: string): Promise<number> {
    const live = this.nodes.find((n) => n.child && n.child.exitCode === null && n.child.signalCode === null)!;
    const slot = Number(await this.cli(live.port, 'CLUSTER', 'KEYSLOT', key));
    const shards = await this.cli(live.port, 'CLUSTER', 'SLOTS');
    // redis-cli prints the nested reply one value per line: start, end, then [host, port, id] per node.
    const lines = shards.split('\n').map((l) => l.trim());
    for (let i = 0; i + 4 < lines.length; i++) {
      const start = Number(lines[i]);
      const end = Number(lines[i + 1]);
      if (/^\d+$/.test(lines[i]!) && /^\d+$/.test(lines[i + 1]!) && lines[i + 2] === '127.0.0.1' && start <= slot && slot <= end) return Number(lines[i + 3]);
    }
    throw new Error(`no primary found for slot ${slot} of "${key}"`);
  }

  /** SIGKILLs the node on `port` and waits until it is gone. */
  async kill(port: number): Promise<void> {
    const n = this.nodes.find((x) => x.port === port);
    const child = n?.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await gone;
  }

  /** Starts the node on `port` again (same folder and nodes.conf: it rejoins, as a replica if it was failed over). */
  async restart(port: number): Promise<void> {
    const n = this.nodes.find((x) => x.port === port);
    if (!n) throw new Error(`no cluster node on port ${port}`);
    await this.launch(n);
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (n) => {
        const c = n.child;
        if (!c || c.exitCode !== null || c.signalCode !== null) return;
        const gone = new Promise<void>((r) => c.once('exit', () => r()));
        c.kill('SIGKILL');
        await gone;
      }),
    );
    rmSync(this.base, { recursive: true, force: true });
  }
}
