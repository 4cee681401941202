import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@svcnet/model';
import { proxyMetrics } from '@svcnet/proxy';
import { agentRegistry } from './metrics.js';
import { ProxyEngine } from './proxy/proxyEngine.js';
import { buildStatus, heartbeatOf } from './status.js';

// What an operator sees when a Service or EndpointSlice the proxy cannot use reaches the agent (a
// raw write into a shared Redis, a mirrored object): /status names it with the reason, /metrics
// counts it by reason, and the log says it once per change, not once per sync.

const evil: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: 'default', name: 'evil', resourceVersion: '3' },
  spec: { type: 'LoadBalancer', clusterIP: '10.96.0.30', clusterIPs: ['10.96.0.30', 'fd00::30'], ipFamilies: ['IPv4', 'IPv6'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  status: { loadBalancer: { ingress: [{ ip: '169.254.169.254' }] } },
};
const loopSlice: EndpointSlice = {
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { namespace: 'default', name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' }, resourceVersion: '4' },
  addressType: 'IPv4',
  endpoints: [{ addresses: ['127.0.0.1'] }],
  ports: [{ name: 'http', port: 10249, protocol: 'TCP' }],
};

function setup() {
  const warnings: { obj: object; msg: string }[] = [];
  const engine = { current: undefined as ProxyEngine | undefined };
  const registry = agentRegistry({
    info: () => ({}),
    leader: () => ({ endpoints: false, loadbalancer: false }),
    generation: () => ({ desired: 0, applied: 0 }),
    heartbeatFailures: () => 0,
    loadBalancerAddresses: () => 0,
    endpoints: () => undefined,
  });
  // The userspace mode needs no root; the checks are the same in every mode.
  engine.current = new ProxyEngine({
    requested: 'userspace',
    proxy: { nodeName: 'n1', nodeIPs: ['192.0.2.1', '2001:db8::1'] },
    metrics: proxyMetrics(registry),
    logger: { info: () => undefined, warn: (obj, msg) => warnings.push({ obj, msg: msg ?? '' }), error: () => undefined },
  });
  const status = () =>
    buildStatus({ node: 'n1', version: 'test', ready: true, store: 'memory', source: undefined, proxy: engine.current!, leader: { endpoints: false, loadbalancer: false }, announced: [], pools: [], startedAt: 0 });
  return { engine: engine.current, registry, warnings, status };
}

describe('skipped objects on /status, /metrics and in the log', () => {
  it('lists each skipped object once with its reason and the families that skip it', async () => {
    const { engine, registry, status } = setup();
    const sink = engine.tracker.sink();
    sink.onServiceUpdate(evil);
    sink.onEndpointSliceUpdate(loopSlice);
    const s = status();
    expect(s.proxy.invalidObjectsTotal).toBe(2);
    expect(s.proxy.invalidObjects).toEqual([
      {
        kind: 'EndpointSlice',
        key: 'default/web-1',
        reason: 'forbidden_address',
        message: 'EndpointSlice "default/web-1" is invalid: endpoints[0].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
        families: ['IPv4'],
      },
      {
        kind: 'Service',
        key: 'default/evil',
        reason: 'forbidden_address',
        message: 'Service "default/evil" is invalid: status.loadBalancer.ingress[0].ip: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
        families: ['IPv4', 'IPv6'],
      },
    ]);
    expect(heartbeatOf(s)).toMatchObject({ invalidObjects: 2 });
    const text = await registry.metrics();
    expect(text).toContain('svcnet_proxy_invalid_objects{kind="Service",reason="forbidden_address",ip_family="IPv4"} 1');
    expect(text).toContain('svcnet_proxy_invalid_objects{kind="EndpointSlice",reason="forbidden_address",ip_family="IPv4"} 1');
    expect(text).toContain('svcnet_proxy_invalid_objects{kind="Service",reason="forbidden_address",ip_family="IPv6"} 1');

    // Fixed: gone from the list and the gauge.
    sink.onServiceUpdate({ ...evil, status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } } });
    expect(status().proxy.invalidObjects.map((o) => o.key)).toEqual(['default/web-1']);
    expect(await registry.metrics()).toContain('svcnet_proxy_invalid_objects{kind="Service",reason="forbidden_address",ip_family="IPv4"} 0');
  });

  it('logs once per object per change, not for every event or sync that sees it again', async () => {
    const { engine, warnings } = setup();
    const sink = engine.tracker.sink();
    for (let i = 0; i < 3; i++) sink.onEndpointSliceUpdate(loopSlice);
    const [proxier] = engine.healthSources;
    await (proxier as unknown as { syncProxyRules(): Promise<void> }).syncProxyRules().catch(() => undefined);
    expect(warnings.filter((w) => w.msg.includes('default/web-1'))).toHaveLength(1);
    expect(warnings[0]!.obj).toMatchObject({ kind: 'EndpointSlice', key: 'default/web-1', reason: 'forbidden_address', family: 'IPv4' });
    sink.onEndpointSliceUpdate({ ...loopSlice, endpoints: [{ addresses: ['169.254.0.9'] }] });
    expect(warnings.filter((w) => w.msg.includes('default/web-1'))).toHaveLength(2);
  });
});
