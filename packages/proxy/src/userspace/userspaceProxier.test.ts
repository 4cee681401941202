import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointSlice } from '@svcnet/model';
import { makeService, makeSlice } from '../../test/fixtures.js';
import { proxyOptions } from '../core/proxyOptions.js';
import { proxyMetrics } from '../engine/metrics.js';
import { createUserspaceProxier } from './userspaceProxier.js';

// The data-plane scenarios on loopback, without root: "pods" are servers on 127.0.1.{1,2,3}.
const PODS = ['127.0.1.1', '127.0.1.2', '127.0.1.3'];
const NODE = 'node-a';

async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    const ok = await Promise.all(PODS.map((h) => new Promise<boolean>((r) => {
      const s = net.createServer().once('error', () => r(false)).listen(port, h, () => s.close(() => r(true)));
    })));
    if (ok.every(Boolean)) return port;
  }
  throw new Error('no free port');
}

function tcp(host: string, port: number, localAddress?: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, ...(localAddress ? { localAddress } : {}) });
    let d = '';
    const t = setTimeout(() => { s.destroy(); resolve('ERR TIMEOUT'); }, 2000);
    s.on('data', (c) => (d += c));
    s.on('end', () => { clearTimeout(t); resolve(d.trim()); });
    s.on('error', (e: NodeJS.ErrnoException) => { clearTimeout(t); resolve(`ERR ${e.code}`); });
  });
}

function udp(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => { s.close(); resolve('ERR TIMEOUT'); }, 1000);
    s.on('message', (m) => { clearTimeout(t); s.close(); resolve(m.toString()); });
    s.send('hi', port, host);
  });
}

async function many(n: number, f: () => Promise<string>): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < n; i++) out.add((await f()).split(' ')[0] as string);
  return out;
}

describe('userspace engine proxies real TCP and UDP on loopback', () => {
  const servers: (net.Server | dgram.Socket)[] = [];
  let podPort = 0;
  let base = 0;
  let setup: ReturnType<typeof createUserspaceProxier>;
  let hostnames: EndpointSlice;

  beforeAll(async () => {
    podPort = await freePort();
    base = await freePort();
    for (const [i, h] of PODS.entries()) {
      const name = `pod${i + 1}`;
      const s = net.createServer((c) => c.end(`${name} ${c.remoteAddress}\n`));
      await new Promise<void>((r) => s.listen(podPort, h, () => r()));
      const u = dgram.createSocket('udp4');
      u.on('message', (_m, r) => u.send(`${name} ${r.address}`, r.port, r.address));
      await new Promise<void>((r) => u.bind(podPort, h, () => r()));
      servers.push(s, u);
    }
    const ep = (i: number, local = false) => ({ addresses: [PODS[i - 1] as string], conditions: { ready: true }, nodeName: local ? NODE : 'node-b' });
    const ports = (proto: 'TCP' | 'UDP') => [{ name: 'p', port: podPort, protocol: proto }];
    hostnames = makeSlice('default', 'hostnames', 1, (e) => { e.endpoints = [ep(1), ep(2), ep(3, true)]; e.ports = ports('TCP'); });
    // Everything lives on loopback here: the option a node never sets (kernel modes refuse these).
    setup = createUserspaceProxier('IPv4', proxyOptions({ nodeName: NODE, nodeIPs: ['127.0.0.1'], allowLoopbackAddresses: true }), { metrics: proxyMetrics() });
    const p = setup.proxier;
    const svc = (name: string, ip: string, f: (s: Parameters<Parameters<typeof makeService>[2]>[0]) => void) =>
      p.onServiceUpdate(makeService('default', name, (s) => { s.spec.clusterIP = ip; f(s); }));
    svc('hostnames', '127.0.10.1', (s) => { s.spec.type = 'NodePort'; s.spec.externalIPs = ['127.0.20.1']; s.spec.ports = [{ name: 'p', port: base, protocol: 'TCP', nodePort: base + 1 }]; });
    svc('dns', '127.0.10.2', (s) => { s.spec.ports = [{ name: 'p', port: base, protocol: 'UDP' }]; });
    svc('sticky', '127.0.10.3', (s) => { s.spec.sessionAffinity = 'ClientIP'; s.spec.ports = [{ name: 'p', port: base, protocol: 'TCP' }]; });
    svc('empty', '127.0.10.4', (s) => { s.spec.ports = [{ name: 'p', port: base, protocol: 'TCP' }]; });
    svc('local', '127.0.10.5', (s) => { s.spec.type = 'NodePort'; s.spec.externalTrafficPolicy = 'Local'; s.spec.ports = [{ name: 'p', port: base, protocol: 'TCP', nodePort: base + 2 }]; });
    p.onEndpointSliceUpdate(hostnames);
    p.onEndpointSliceUpdate(makeSlice('default', 'dns', 1, (e) => { e.endpoints = [ep(1), ep(2), ep(3)]; e.ports = ports('UDP'); }));
    p.onEndpointSliceUpdate(makeSlice('default', 'sticky', 1, (e) => { e.endpoints = [ep(1), ep(2), ep(3)]; e.ports = ports('TCP'); }));
    p.onEndpointSliceUpdate(makeSlice('default', 'local', 1, (e) => { e.endpoints = [ep(1), ep(3, true)]; e.ports = ports('TCP'); }));
    await p.syncProxyRules();
  });

  afterAll(async () => {
    await setup?.portals.close();
    for (const s of servers) s.close();
  });

  it('balances a ClusterIP, a NodePort and an externalIP over every endpoint', async () => {
    expect(await many(9, () => tcp('127.0.10.1', base))).toEqual(new Set(['pod1', 'pod2', 'pod3']));
    expect(await many(9, () => tcp('127.0.0.1', base + 1))).toEqual(new Set(['pod1', 'pod2', 'pod3']));
    expect(await many(9, () => tcp('127.0.20.1', base))).toEqual(new Set(['pod1', 'pod2', 'pod3']));
  });

  it('forwards UDP', async () => {
    expect(await many(6, () => udp('127.0.10.2', base))).toEqual(new Set(['pod1', 'pod2', 'pod3']));
  });

  it('keeps ClientIP affinity', async () => {
    expect((await many(6, () => tcp('127.0.10.3', base, '127.0.0.7'))).size).toBe(1);
  });

  it('refuses a service without endpoints', async () => {
    expect(await tcp('127.0.10.4', base)).toBe('ERR ECONNREFUSED');
  });

  it('sends externalTrafficPolicy Local traffic only to local endpoints', async () => {
    expect(await many(6, () => tcp('127.0.0.1', base + 2))).toEqual(new Set(['pod3']));
  });

  it('stops sending new connections to a removed endpoint after the next sync', async () => {
    const upd = structuredClone(hostnames);
    upd.endpoints = upd.endpoints.filter((e) => e.addresses[0] !== '127.0.1.2');
    setup.proxier.onEndpointSliceUpdate(upd);
    await setup.proxier.syncProxyRules();
    expect(await many(8, () => tcp('127.0.10.1', base))).toEqual(new Set(['pod1', 'pod3']));
  });
});
