import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

let counter = 0;

/** Runs a command and returns its stdout; throws with stderr on failure. */
export function run(cmd: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${err.stderr || err.message}`);
  }
}

/**
 * A network namespace owned by one test: created with a unique name, loopback up, and removed by
 * `destroy()` (which also kills the processes the test started in it).
 */
export class NetNs {
  private readonly children: ChildProcess[] = [];

  private constructor(readonly name: string) {}

  static create(prefix = 'svt'): NetNs {
    const name = `${prefix}-${process.pid}-${++counter}`;
    run('ip', ['netns', 'add', name]);
    const ns = new NetNs(name);
    ns.exec('ip', ['link', 'set', 'lo', 'up']);
    return ns;
  }

  exec(cmd: string, args: readonly string[], input?: string): string {
    return run('ip', ['netns', 'exec', this.name, cmd, ...args], input);
  }

  /** Starts a long-running process inside the namespace; it is killed on destroy(). */
  spawn(cmd: string, args: readonly string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.name, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    return child;
  }

  destroy(): void {
    for (const c of this.children) c.kill('SIGKILL');
    try {
      run('ip', ['netns', 'del', this.name]);
    } catch {
      // already gone
    }
  }
}

/**
 * Joins two namespaces with a veth pair and gives each end an address (CIDR form, e.g. 10.0.0.1/24).
 * Interface names are kept under 15 characters as the kernel requires.
 */
export function vethPair(a: NetNs, aAddr: string, b: NetNs, bAddr: string, names?: { a: string; b: string }): { a: string; b: string } {
  const id = `${process.pid % 10000}${++counter}`;
  const an = names?.a ?? `va${id}`.slice(0, 15);
  const bn = names?.b ?? `vb${id}`.slice(0, 15);
  run('ip', ['link', 'add', an, 'netns', a.name, 'type', 'veth', 'peer', 'name', bn, 'netns', b.name]);
  a.exec('ip', ['addr', 'add', aAddr, 'dev', an]);
  b.exec('ip', ['addr', 'add', bAddr, 'dev', bn]);
  a.exec('ip', ['link', 'set', an, 'up']);
  b.exec('ip', ['link', 'set', bn, 'up']);
  return { a: an, b: bn };
}
