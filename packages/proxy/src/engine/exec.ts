import { spawn } from 'node:child_process';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a system tool; the appliers take one so tests can run them inside a network namespace. */
export type Exec = (cmd: string, args: readonly string[], input?: string) => Promise<ExecResult>;

export const hostExec: Exec = (cmd, args, input) =>
  new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => resolve({ code: 127, stdout, stderr: stderr + e.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });

/** An Exec that runs every command inside network namespace `name` (`ip netns exec`). */
export function netnsExec(name: string, base: Exec = hostExec): Exec {
  return (cmd, args, input) => base('ip', ['netns', 'exec', name, cmd, ...args], input);
}

export class CommandError extends Error {
  readonly code = 'CommandFailed';
  constructor(
    readonly command: string,
    readonly result: ExecResult,
  ) {
    super(`${command} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
}
