import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { userEnv } from './run.js';

export interface LocalRegistry {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  /** An npm user config holding a token for this registry (npm will not publish without one). */
  npmrc: string;
  stop(): Promise<void>;
}

const SCRIPT = join(import.meta.dirname, '..', '..', 'local-registry.mjs');

/** Starts tools/packaging/local-registry.mjs on a free loopback port, storing in `dir`. */
export function startLocalRegistry(dir: string, timeoutMs = 60_000): Promise<LocalRegistry> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, '--port', '0', '--dir', dir], { env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
    };
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`local registry did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d;
      const url = /^registry (\S+)$/m.exec(out)?.[1];
      const npmrc = /^npmrc (\S+)$/m.exec(out)?.[1];
      if (url && npmrc) {
        clearTimeout(timer);
        resolve({ url, npmrc, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (out += d));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`local registry exited (${code}) before serving:\n${out}`));
    });
  });
}
