import { availableParallelism } from 'node:os';

/**
 * How many server workers to run: a number, or `auto`. `auto` is one per core up to AUTO_WORKER_CAP,
 * as nginx's `worker_processes auto` and knot's udp-workers default (one per core); the cap keeps a
 * big node from spending many cores and many index copies on DNS or ingress by default.
 */
export type WorkerSetting = number | 'auto';

/** `auto` never asks for more workers than this. */
export const AUTO_WORKER_CAP = 4;

/**
 * Why this Node cannot give each worker its own SO_REUSEPORT socket, or undefined when it can.
 * dgram's and net's `reusePort` came in Node 23.1 and 22.12 (nodejs/node#55403); the kernel spreads
 * datagrams and connections over such sockets on Linux and FreeBSD only.
 */
export function reusePortUnsupported(version: string = process.versions.node, platform: string = process.platform): string | undefined {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const ok = major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
  if (!ok) return `Node ${version} has no reusePort for dgram and net sockets (Node 22.12+ or 23.1+ does)`;
  if (platform !== 'linux' && platform !== 'freebsd') return `SO_REUSEPORT does not balance sockets on ${platform}`;
  return undefined;
}

/** Parses `N` or `auto` (a flag's value); throws a RangeError saying what to write. */
export function parseWorkerSetting(text: string, what: string): WorkerSetting {
  const t = text.trim();
  if (t === 'auto') return 'auto';
  if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > 64) throw new RangeError(`${what} ${JSON.stringify(text)} is invalid: give a number of workers from 1 to 64, or auto (one per core, at most ${AUTO_WORKER_CAP})`);
  return Number(t);
}

/**
 * The number of workers to run for `setting`, and why it is fewer than asked when it is: more than
 * one needs reusePort; `auto` on one core, or without reusePort, is one (the server in this process).
 */
export function workerCount(setting: WorkerSetting, o: { cores?: number; unsupported?: string | undefined } = {}): { count: number; reason?: string } {
  const unsupported = 'unsupported' in o ? o.unsupported : reusePortUnsupported();
  const wanted = setting === 'auto' ? Math.min(AUTO_WORKER_CAP, Math.max(1, o.cores ?? availableParallelism())) : setting;
  if (wanted > 1 && unsupported) return { count: 1, reason: `${unsupported}: one server runs, in this thread (asked for ${setting === 'auto' ? `auto = ${wanted}` : wanted})` };
  return { count: wanted };
}
