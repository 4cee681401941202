import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { makeService, makeSlice } from '../../test/fixtures.js';
import { ManualClock } from '@svcnet/store';
import { ProxyState } from '../core/proxyState.js';
import { proxyOptions } from '../core/proxyOptions.js';
import { Proxier } from '../engine/proxier.js';
import { proxyMetrics } from '../engine/metrics.js';
import { ServiceHealthServers, serviceHealthFromState, startProxyHealthServer } from './healthServers.js';

const freePort = () => new Promise<number>((r) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => r(p)); }); });

describe('health check servers', () => {
  const servers = new ServiceHealthServers('127.0.0.1');
  afterAll(() => servers.close());

  it('answers 200/503 with the local endpoint count per healthCheckNodePort', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const st = new ProxyState('IPv4', 'node-a');
    const lb = (name: string, port: number) => makeService('ns', name, (s) => {
      s.spec.type = 'LoadBalancer'; s.spec.externalTrafficPolicy = 'Local'; s.spec.clusterIP = '10.96.0.5'; s.spec.healthCheckNodePort = port;
      s.spec.ports = [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30000 + (port % 1000) }];
    });
    st.onServiceUpdate(lb('web', p1));
    st.onServiceUpdate(lb('idle', p2));
    st.onEndpointSliceUpdate(makeSlice('ns', 'web', 1, (e) => { e.endpoints = [{ addresses: ['10.0.0.1'], nodeName: 'node-a' }, { addresses: ['10.0.0.2'], nodeName: 'node-a' }, { addresses: ['10.0.0.3'], nodeName: 'node-b' }]; e.ports = [{ name: 'http', port: 8080 }]; }));
    st.checkout();
    await servers.sync(serviceHealthFromState(st));
    const ok = await fetch(`http://127.0.0.1:${p1}/`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-load-balancing-endpoint-weight')).toBe('2');
    expect(await ok.json()).toEqual({ service: { namespace: 'ns', name: 'web' }, localEndpoints: 2, serviceProxyHealthy: true });
    const idle = await fetch(`http://127.0.0.1:${p2}/`);
    expect(idle.status).toBe(503);
    expect(((await idle.json()) as { localEndpoints: number }).localEndpoints).toBe(0);
  });

  it('answers 503 while the proxy is unhealthy even with local endpoints (upstream: count != 0 && kubeProxyHealthy)', async () => {
    const port = await freePort();
    let healthy = false;
    const hs = new ServiceHealthServers('127.0.0.1', () => healthy);
    try {
      await hs.sync(new Map([[port, { namespace: 'ns', name: 'web', localEndpoints: 2 }]]));
      const sick = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(sick.status).toBe(503);
      expect(await sick.json()).toEqual({ service: { namespace: 'ns', name: 'web' }, localEndpoints: 2, serviceProxyHealthy: false });
      healthy = true;
      expect((await fetch(`http://127.0.0.1:${port}/anything`)).status).toBe(200);
    } finally {
      await hs.close();
    }
  });

  it('reports a port another process holds instead of failing, and opens it at a later sync', async () => {
    const port = await freePort();
    const squatter = net.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => squatter.once('listening', r));
    const hs = new ServiceHealthServers('127.0.0.1');
    try {
      const wanted = new Map([[port, { namespace: 'ns', name: 'web', localEndpoints: 1 }]]);
      expect(await hs.sync(wanted)).toEqual([expect.stringMatching(new RegExp(`^${port}: health check server for ns/web could not listen: .*EADDRINUSE`))]);
      expect(hs.ports()).toEqual([]);
      await new Promise((r) => squatter.close(r));
      expect(await hs.sync(wanted)).toEqual([]);
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    } finally {
      await hs.close();
    }
  });

  it('/healthz turns 503 when a queued change waits more than two sync periods', async () => {
    const clock = new ManualClock(Date.parse('2025-01-01T00:00:00Z'));
    let fail = true;
    const proxier = new Proxier('IPv4', proxyOptions({ syncPeriodMs: 1000 }), (state) => ({
      mode: 'test',
      prepare: () => ({ full: true, changes: state.checkout() }),
      apply: async () => { if (fail) throw new Error('restore failed'); },
      commit: () => undefined,
    }), { clock, metrics: proxyMetrics() });
    const h = await startProxyHealthServer([proxier], { host: '127.0.0.1', port: 0 }, clock);
    try {
      expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
      proxier.onServiceUpdate(makeService('ns', 'a', (s) => { s.spec.clusterIP = '10.96.0.9'; s.spec.ports = [{ port: 80 }]; }));
      await proxier.syncProxyRules().catch(() => undefined);
      clock.advance(1500);
      expect((await fetch(`${h.url}/livez`)).status).toBe(200);
      clock.advance(1000);
      const bad = await fetch(`${h.url}/healthz`);
      expect(bad.status).toBe(503);
      expect(((await bad.json()) as { healthy: boolean }).healthy).toBe(false);
      fail = false;
      await proxier.syncProxyRules();
      expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
      const metrics = await proxier.metrics.registry.metrics();
      expect(metrics).toMatch(/kubeproxy_sync_proxy_rules_iptables_restore_failures_total\{ip_family="IPv4"\} 1/);
    } finally {
      await h.close();
    }
  });
});
