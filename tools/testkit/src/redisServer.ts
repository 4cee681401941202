import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServerOptions {
  /** Extra redis.conf directives, as command-line flags (`['--appendonly', 'yes']`). */
  readonly args?: readonly string[];
  /** How long to wait for the socket to appear. */
  readonly startTimeoutMs?: number;
}

/**
 * A private redis-server for one test file: unix socket in a fresh temporary folder, no TCP port,
 * no persistence unless asked. `stop()` removes the folder; `kill()` and `start()` let fault tests
 * crash and restart the same server (same folder, so an append-only file survives).
 */
export class RedisServer {
  readonly dir: string;
  readonly socketPath: string;
  private child: ChildProcess | undefined;

  private constructor(private readonly options: RedisServerOptions) {
    this.dir = mkdtempSync(join(tmpdir(), 'svcnet-redis-'));
    this.socketPath = join(this.dir, 'redis.sock');
  }

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(options);
    await server.start();
    return server;
  }

  /** ioredis connection options for this server. */
  get connection(): { path: string } {
    return { path: this.socketPath };
  }

  /** A `redis+unix://`-style URL accepted by @svcnet/store. */
  get url(): string {
    return `unix://${this.socketPath}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) return;
    rmSync(this.socketPath, { force: true });
    const args = [
      '--port', '0',
      '--unixsocket', this.socketPath,
      '--unixsocketperm', '700',
      '--dir', this.dir,
      '--save', '',
      '--appendonly', 'no',
      '--maxmemory-policy', 'noeviction',
      ...(this.options.args ?? []),
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 10_000);
    while (!existsSync(this.socketPath)) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${stderr}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not create ${this.socketPath} in time: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Ends the server abruptly (SIGKILL) and waits for it to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
