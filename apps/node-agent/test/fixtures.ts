import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '@svcnet/store';
import { NetNs, vethPair } from '@svcnet/testkit';
import { ANNOTATION_POD_IPS } from '@svcnet/model';

export const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A pod: a network namespace behind its host with a small HTTP server answering `<name> <path>`. */
export interface PodNs {
  name: string;
  ip: string;
  ns: NetNs;
}

const POD_SERVER = `
const name = process.argv[1];
require('node:http').createServer((q, s) => s.end(name + ' ' + q.url)).listen(8080, '0.0.0.0');
`;

/** A pod namespace behind `host`: veth with a /24 per pod, default route via the host end. */
export function addPod(host: NetNs, name: string, hostAddr: string, podAddr: string): PodNs {
  const ns = NetNs.create('svp');
  vethPair(host, `${hostAddr}/24`, ns, `${podAddr}/24`);
  ns.exec('ip', ['route', 'add', 'default', 'via', hostAddr]);
  const child = ns.spawn('node', ['-e', POD_SERVER, name]);
  child.stdout?.resume();
  child.stderr?.resume();
  return { name, ip: podAddr, ns };
}

/** Host namespaces forward packets (the pods route through them). */
export function makeHost(): NetNs {
  const ns = NetNs.create('svh');
  ns.exec('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  return ns;
}

export interface RunningAgent {
  ns: NetNs;
  child: ChildProcess;
  logs: () => string;
  exited: Promise<number | null>;
}

/** Starts svcnet-agent from source inside `ns` (no build needed), keeping its log lines. */
export function startAgent(ns: NetNs, args: readonly string[]): RunningAgent {
  const child = ns.spawn('node', ['--conditions=@svcnet/source', '--import', 'tsx', MAIN, ...args]);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { ns, child, logs: () => out, exited };
}

/** Starts svcnet-agent from source on this machine (no namespace: give it loopback ports, or none). */
export function startLocalAgent(args: readonly string[]): Omit<RunningAgent, 'ns'> {
  const child = spawn(process.execPath, ['--conditions=@svcnet/source', '--import', 'tsx', MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, logs: () => out, exited };
}

/** The user a one-machine agent runs as: `nobody` when the test runs as root (the setup needs no root). */
export const UNPRIVILEGED = { uid: 65534, gid: 65534 };

/**
 * Starts svcnet-agent from source on this machine, as a user would from a checkout (cwd the
 * repository); as `nobody` when the test runs as root, so that it proves the one-machine setup
 * works without root. Its files must be readable by that user.
 */
export function startUnprivilegedAgent(args: readonly string[]): Omit<RunningAgent, 'ns'> {
  const asRoot = process.getuid?.() === 0;
  const child = spawn(process.execPath, ['--conditions=@svcnet/source', '--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOME: tmpdir() },
    ...(asRoot ? UNPRIVILEGED : {}),
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, logs: () => out, exited };
}

/** Polls `f` until it returns a value (not undefined and no throw), at most `ms`. */
export async function eventually<T>(what: string, f: () => T | undefined | Promise<T | undefined>, ms = 20_000, every = 200): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (let i = 0; Date.now() < deadline && i < 10_000; i++) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** curl inside a namespace; undefined on failure (for `eventually`). */
export function curlIn(ns: NetNs, url: string, headers: string[] = []): string | undefined {
  try {
    return ns.exec('curl', ['-sS', '--fail', '--max-time', '2', ...headers.flatMap((h) => ['-H', h]), url]);
  } catch {
    return undefined;
  }
}

/** `dig +short` inside a namespace; undefined when empty. */
export function digIn(ns: NetNs, server: string, name: string): string | undefined {
  try {
    const out = ns.exec('dig', ['+short', '+time=1', '+tries=1', `@${server}`, name]).trim();
    return out || undefined;
  } catch {
    return undefined;
  }
}

/** A Pod on `node` at `ip`, with the status its kubelet would report (write it with putPod). */
export function pod(name: string, node: string, ip: string, labels: Record<string, string>) {
  return {
    apiVersion: 'v1' as const,
    kind: 'Pod' as const,
    metadata: { name, namespace: 'default', labels },
    spec: { nodeName: node, containers: [{ name: 'server', image: 'svcnet/echo', ports: [{ containerPort: 8080, name: 'http' }] }] },
    status: {
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }],
    },
  };
}

/**
 * Writes a Pod as a cluster does: the object as a client sends it (the store drops a client's
 * status), then its status as the kubelet reports it, through the status subresource.
 */
export async function putPod(store: Store, p: ReturnType<typeof pod>): Promise<void> {
  const { status: _status, ...object } = p;
  await store.apply(object);
  await store.updateStatus(p);
}

/**
 * The same Pod for a manifest: a manifest is a client and its status would be dropped, so the
 * Pod names its address in annotation svcnet.io/pod-ips and the workload simulator, standing in
 * for the kubelet, reports it (the pod's real namespace is at that address).
 */
export function manifestPod(name: string, node: string, ip: string, labels: Record<string, string>) {
  const { status: _status, ...object } = pod(name, node, ip, labels);
  return { ...object, metadata: { ...object.metadata, annotations: { [ANNOTATION_POD_IPS]: ip } } };
}

/**
 * Runs the agent from source on examples/ (no proxy, DNS and health on free loopback ports), sends
 * SIGTERM once its log (stdout and stderr) contains `mark`, and gives its exit code and the whole log.
 * Killed, and rejected, when the mark or the exit does not come within `ms`.
 */
export function runAgentUntil(mark: string, ms = 60_000): Promise<{ code: number | null; log: string }> {
  const child = spawn(process.execPath, [
    '--conditions=@svcnet/source', '--import', 'tsx', MAIN,
    '-f', join(ROOT, 'examples'), '--proxy-mode', 'none', '--hostname-override', 'node-1',
    '--healthz-bind-address', '127.0.0.1:0', '--metrics-bind-address', '', '--dns-listen', '127.0.0.1:0',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`no ${JSON.stringify(mark)} and exit within ${ms / 1000} s:\n${log}`))), ms);
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes(mark) && child.signalCode === null && !child.killed) child.kill('SIGTERM');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => (clearTimeout(timer), resolve({ code, log })));
  });
}
