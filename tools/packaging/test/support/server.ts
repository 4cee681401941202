import { spawn } from 'node:child_process';
import { Resolver } from 'node:dns/promises';

/**
 * Starts a long-running shell command (a README's "until Ctrl-C"), runs `probe` against it, then
 * stops it with SIGTERM (SIGKILL after 20 s) and reports the probe's value, the exit code and all
 * it printed. The command is always stopped, whatever the probe does.
 */
export async function withServer<T>(command: string, opts: { cwd: string; env: NodeJS.ProcessEnv }, probe: () => Promise<T>): Promise<{ value: T | undefined; exit: number | null; output: string }> {
  const child = spawn('bash', ['-c', `exec ${command}`], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d));
  child.stderr.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let value: T | undefined;
  try {
    value = await Promise.race([probe(), exited.then((code) => Promise.reject(new Error(`${command}: exited ${code} early:\n${output}`)))]);
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 20_000);
      await exited;
      clearTimeout(killer);
    }
  }
  return { value, exit: await exited, output };
}

/** The first A record for `name` from the DNS server at `hostPort`, asking until it answers or `timeoutMs` passes. */
export async function resolveA(hostPort: string, name: string, timeoutMs: number): Promise<string> {
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([hostPort]);
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const [address] = await resolver.resolve4(name);
      if (address) return address;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${name} @${hostPort}: no answer within ${timeoutMs} ms (${String(last)})`);
}
