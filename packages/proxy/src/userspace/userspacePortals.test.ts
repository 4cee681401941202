import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { makeService, makeSlice } from '../../test/fixtures.js';
import { proxyOptions } from '../core/proxyOptions.js';
import type { ServingProblem } from '../core/servingProblem.js';
import { proxyMetrics } from '../engine/metrics.js';
import { createUserspaceProxier } from './userspaceProxier.js';

// What the userspace engine does with addresses it cannot listen on: an externalIP of another
// machine is skipped and reported once (the sync succeeds), a ClusterIP it cannot take is reported
// and makes the proxier unhealthy until it is served. Loopback only, no root.

const NODE = 'node-a';
const BACKEND = '127.0.2.1';

function listen(host: string, port: number, answer = 'backend'): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer((c) => c.end(`${answer}\n`));
    s.once('error', reject);
    s.listen(port, host, () => resolve(s));
  });
}

function tcp(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    let d = '';
    const t = setTimeout(() => (s.destroy(), resolve('ERR TIMEOUT')), 2000);
    s.on('data', (c) => (d += c));
    s.on('end', () => (clearTimeout(t), resolve(d.trim())));
    s.on('error', (e: NodeJS.ErrnoException) => (clearTimeout(t), resolve(`ERR ${e.code}`)));
  });
}

async function freePort(host: string): Promise<number> {
  const s = await listen(host, 0);
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function logger() {
  const lines: { level: string; msg: string }[] = [];
  const push = (level: string) => (_o: object, msg?: string) => lines.push({ level, msg: msg ?? '' });
  return { lines, logger: { info: push('info'), warn: push('warn'), error: push('error') } };
}

describe('userspace engine: addresses it cannot listen on', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(clusterIP: string, externalIPs: string[], port: number) {
    const backendPort = await freePort(BACKEND);
    const backend = await listen(BACKEND, backendPort);
    cleanups.push(() => new Promise((r) => backend.close(r)));
    const log = logger();
    const options = proxyOptions({ nodeName: NODE, nodeIPs: ['127.0.0.1'], allowLoopbackAddresses: true });
    const { proxier, portals } = createUserspaceProxier('IPv4', options, { metrics: proxyMetrics(), logger: log.logger });
    cleanups.push(() => portals.close());
    proxier.onServiceUpdate(makeService('default', 'web', (s) => {
      s.spec.clusterIP = clusterIP;
      s.spec.externalIPs = externalIPs;
      s.spec.ports = [{ name: 'http', port, protocol: 'TCP' }];
    }));
    proxier.onEndpointSliceUpdate(makeSlice('default', 'web', 1, (e) => {
      e.endpoints = [{ addresses: [BACKEND], conditions: { ready: true }, nodeName: NODE }];
      e.ports = [{ name: 'http', port: backendPort, protocol: 'TCP' }];
    }));
    return { proxier, portals, log };
  }

  it('skips an externalIP that is not this machine\'s, reports it once, and serves the ClusterIP', async () => {
    const port = await freePort('127.0.30.1');
    // 198.51.100.32 (TEST-NET-2, the seed's externalIP) is never an address of this machine.
    const { proxier, log } = await setup('127.0.30.1', ['198.51.100.32'], port);
    for (let i = 0; i < 3; i++) await proxier.syncProxyRules();

    expect(await tcp('127.0.30.1', port)).toBe('backend');
    const problems = proxier.getStatus().servingProblems as ServingProblem[];
    expect(problems).toEqual([expect.objectContaining({ service: 'default/web:http', address: `198.51.100.32:${port}/TCP`, reason: 'not_local', unhealthy: false })]);
    expect(proxier.isHealthy()).toBe(true);
    expect(proxier.getStatus()).toMatchObject({ syncs: 3, failures: 0 });
    // Logged once, not once per sync.
    expect(log.lines.filter((l) => l.msg.includes('198.51.100.32'))).toHaveLength(1);
  });

  it('reports a ClusterIP held by another process, is unhealthy meanwhile, and serves it once it is free', async () => {
    const port = await freePort('127.0.30.2');
    const squatter = await listen('127.0.30.2', port, 'squatter');
    const { proxier, log } = await setup('127.0.30.2', [], port);
    await proxier.syncProxyRules();

    expect(proxier.getStatus().servingProblems).toEqual([expect.objectContaining({ address: `127.0.30.2:${port}/TCP`, reason: 'listen_failed', unhealthy: true })]);
    expect(proxier.getStatus().servingProblems?.[0]?.message).toMatch(/EADDRINUSE.*another process listens there/);
    expect(proxier.isHealthy()).toBe(false);
    expect(log.lines.filter((l) => l.level === 'error')).toHaveLength(1);

    await new Promise((r) => squatter.close(r));
    await proxier.syncProxyRules();
    expect(proxier.getStatus().servingProblems).toBeUndefined();
    expect(proxier.isHealthy()).toBe(true);
    expect(await tcp('127.0.30.2', port)).toBe('backend');
  });

  it('says why a ClusterIP that is not an address of this machine cannot be served', async () => {
    const { proxier } = await setup('10.96.0.10', [], 80);
    await proxier.syncProxyRules();
    const [p] = proxier.getStatus().servingProblems ?? [];
    expect(p).toMatchObject({ address: '10.96.0.10:80/TCP', reason: 'listen_failed', unhealthy: true });
    expect(p?.message).toContain('ClusterIPs must be addresses of this machine');
    expect(proxier.isHealthy()).toBe(false);
  });
});
