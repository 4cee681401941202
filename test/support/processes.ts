// Free loopback ports and child processes owned by one test file (killed in afterAll).
import { spawn, type ChildProcess } from 'node:child_process';
import { sleep } from './objects.js';

// One copy of freePort, in @svcnet/testkit; re-exported for the suite's files that take it from here.
export { freePort } from '@svcnet/testkit';

export class Processes {
  private readonly children: ChildProcess[] = [];

  /** Starts `cmd`; stderr and stdout are kept (last 4 KiB) for error messages. */
  start(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    let out = '';
    const keep = (d: Buffer) => (out = (out + d.toString()).slice(-4096));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', (e) => (out += `\n${e.message}`));
    this.children.push(child);
    return { child, output: () => out };
  }

  async kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    await Promise.race([gone, sleep(5000)]);
  }

  async stopAll(): Promise<void> {
    for (const c of this.children.splice(0).reverse()) await this.kill(c);
  }
}
