import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore, type NodeStatusStore, type Store } from '@svcnet/store';
import { NetNs, RedisServer, describeWith, dig, iptablesRestore, netns, nft, redisServer, vethPair } from '@svcnet/testkit';
import { addPod, curlIn, digIn, eventually, makeHost, pod, startAgent, type PodNs, type RunningAgent, putPod } from './fixtures.js';

const LEASE = '3s';
const H1 = '192.168.100.1';
const H2 = '192.168.100.2';
const POOL = '192.168.100.200-192.168.100.210';

interface AgentStatusJSON {
  ready: boolean;
  leader: { endpoints: boolean; loadbalancer: boolean };
  proxy: { mode: string; generation: { desired: number; applied: number } };
  loadBalancer: { announced: string[] };
  dns: string[];
  ingress: string[];
}

describeWith('two hosts, one Redis: svcnet-agent end to end', [netns, redisServer, iptablesRestore, nft, dig], () => {
  let redis: RedisServer;
  let store: Store & NodeStatusStore;
  const namespaces: NetNs[] = [];
  let h1: NetNs;
  let h2: NetNs;
  let podA: PodNs;
  let podB: PodNs;
  const agents: RunningAgent[] = [];

  const agentArgs = (node: string, ip: string, mode: string) => [
    '--redis', redis.url,
    '--hostname-override', node,
    '--node-ip', ip,
    '--cluster-cidr', '10.244.0.0/16',
    '--proxy-mode', mode,
    '--iptables-min-sync-period', '50ms',
    '--leader-elect-lease-duration', LEASE,
    '--node-status-update-frequency', '1s',
    '--healthz-bind-address', `${ip}:10256`,
    '--metrics-bind-address', `${ip}:10249`,
    '--dns-listen', `${ip}:53`,
    '--dns-upstream', 'none',
    '--loadbalancer-pool', POOL,
    '--log-level', 'debug',
    ...(node === 'node-1' ? ['--ingress-http-listen', `${ip}:80`] : []),
  ];
  const statusOf = (a: RunningAgent, ip: string): AgentStatusJSON | undefined => {
    const out = curlIn(a.ns, `http://${ip}:10249/status`);
    return out ? (JSON.parse(out) as AgentStatusJSON) : undefined;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
    store = openStore(redis.url);
    h1 = makeHost();
    h2 = makeHost();
    namespaces.push(h1, h2);
    vethPair(h1, `${H1}/24`, h2, `${H2}/24`);
    h1.exec('ip', ['route', 'add', '10.244.2.0/24', 'via', H2]);
    h2.exec('ip', ['route', 'add', '10.244.1.0/24', 'via', H1]);
    podA = addPod(h1, 'pod-a', '10.244.1.1', '10.244.1.10');
    podB = addPod(h2, 'pod-b', '10.244.2.1', '10.244.2.10');
    namespaces.push(podA.ns, podB.ns);

    await putPod(store, pod('pod-a', 'node-1', podA.ip, { app: 'a' }));
    await putPod(store, pod('pod-b', 'node-2', podB.ip, { app: 'b' }));
    await store.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc-a', namespace: 'default' }, spec: { type: 'NodePort', selector: { app: 'a' }, ports: [{ port: 80, targetPort: 8080 }] } });
    await store.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc-b', namespace: 'default' }, spec: { selector: { app: 'b' }, ports: [{ port: 80, targetPort: 8080 }] } });
    await store.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb-b', namespace: 'default' }, spec: { type: 'LoadBalancer', selector: { app: 'b' }, ports: [{ port: 80, targetPort: 8080 }] } });
    await store.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'foo', namespace: 'default' },
      spec: {
        rules: [{
          host: 'foo.example',
          http: { paths: [
            { path: '/a', pathType: 'Prefix', backend: { service: { name: 'svc-a', port: { number: 80 } } } },
            { path: '/b', pathType: 'Prefix', backend: { service: { name: 'svc-b', port: { number: 80 } } } },
          ] },
        }],
      },
    });

    agents.push(startAgent(h1, agentArgs('node-1', H1, 'iptables')));
    agents.push(startAgent(h2, agentArgs('node-2', H2, 'nftables')));
    await eventually('both agents ready', () => (agents.every((a, i) => curlIn(a.ns, `http://${[H1, H2][i]}:10256/readyz`)) ? true : undefined), 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${dump()}`);
    });
  }, 90_000);

  afterAll(async () => {
    for (const a of agents) a.child.kill('SIGKILL');
    for (const ns of namespaces.reverse()) ns.destroy();
    await store?.close();
    await redis?.stop();
  });

  const dump = () => agents.map((a, i) => `--- agent ${i + 1}\n${a.logs().split('\n').slice(-40).join('\n')}`).join('\n');

  it('a pod on host 1 reaches a ClusterIP whose endpoints are on host 2', async () => {
    const svc = await store.get('Service', 'default', 'svc-b');
    const out = await eventually('ClusterIP from pod-a', () => curlIn(podA.ns, `http://${svc!.spec!.clusterIP}/hello`)).catch((e: Error) => {
      throw new Error(`${e.message}\n${dump()}`);
    });
    expect(out).toBe('pod-b /hello');
  });

  it('NodePort works on both hosts', async () => {
    const svc = await store.get('Service', 'default', 'svc-a');
    const port = svc!.spec!.ports![0]!.nodePort!;
    expect(await eventually('NodePort on host 2 from host 1', () => curlIn(h1, `http://${H2}:${port}/np`))).toBe('pod-a /np');
    expect(await eventually('NodePort on host 1 from host 2', () => curlIn(h2, `http://${H1}:${port}/np`))).toBe('pod-a /np');
  });

  it('DNS answers from both agents', async () => {
    const svc = await store.get('Service', 'default', 'svc-b');
    expect(await eventually('dig @host1', () => digIn(h1, H1, 'svc-b.default.svc.cluster.local'))).toBe(svc!.spec!.clusterIP);
    expect(await eventually('dig @host2', () => digIn(h2, H2, 'svc-b.default.svc.cluster.local'))).toBe(svc!.spec!.clusterIP);
    const a = await store.get('Service', 'default', 'svc-a');
    expect(await eventually('dig @host2 for the Service on host 1', () => digIn(h2, H2, 'svc-a.default.svc.cluster.local'))).toBe(a!.spec!.clusterIP);
  });

  it('the ingress on host 1 routes by host and path to pods on both hosts', async () => {
    expect(await eventually('ingress /a', () => curlIn(h1, `http://${H1}/a/x`, ['Host: foo.example']))).toBe('pod-a /a/x');
    expect(await eventually('ingress /b', () => curlIn(h1, `http://${H1}/b`, ['Host: foo.example']))).toBe('pod-b /b');
  });

  it('a LoadBalancer Service gets a pool address, announced by the elected agent and reachable from the other host', async () => {
    const ip = await eventually('status.loadBalancer.ingress', async () => (await store.get('Service', 'default', 'lb-b'))?.status?.loadBalancer?.ingress?.[0]?.ip);
    expect(ip).toBe('192.168.100.200');
    const statuses = [statusOf(agents[0]!, H1), statusOf(agents[1]!, H2)];
    const leader = statuses.findIndex((s) => s?.leader.loadbalancer);
    expect(leader).toBeGreaterThanOrEqual(0);
    await eventually('address announced', () => (statusOf(agents[leader]!, [H1, H2][leader]!)?.loadBalancer.announced.includes(ip!) ? true : undefined));
    const other = [h2, h1][leader]!;
    expect(await eventually('LoadBalancer IP from the other host', () => curlIn(other, `http://${ip}/lb`))).toBe('pod-b /lb');
  });

  it('each agent writes a heartbeat with its status', async () => {
    // Rules catch up with the earlier tests' changes within a heartbeat or two (later on a loaded
    // machine): wait for heartbeats that report them applied.
    const applied = (s: object) => (s as { generation?: { applied: number } }).generation?.applied ?? 0;
    const list = await eventually('two heartbeats with rules applied', async () => {
      const l = await store.nodeStatus.list();
      return l.length === 2 && l.every((s) => s.ready && applied(s) > 0) ? l : undefined;
    });
    expect(list.map((s) => [s.node, s.proxyMode])).toEqual([['node-1', 'iptables'], ['node-2', 'nftables']]);
    const hb = list[0] as unknown as { version: string; generation: { desired: number; applied: number }; dns: string[]; ingress: string[] };
    expect(hb.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(hb.generation.applied).toBeGreaterThan(0);
    expect(hb.dns).toEqual([`udp+tcp ${H1}:53`]);
    expect(hb.ingress).toEqual([`http ${H1}:80`]);
    const metrics = curlIn(h1, `http://${H1}:10249/metrics`) ?? '';
    for (const name of ['svcnet_agent_info', 'kubeproxy_sync_proxy_rules_duration_seconds', 'svcnet_dns_requests_total', 'svcnet_ingress_requests_total', 'process_cpu_seconds_total']) expect(metrics).toContain(name);
  });

  it('only one reconciler is active; when it is killed the other takes the lease within the lease time', async () => {
    const leaders = () => [statusOf(agents[0]!, H1), statusOf(agents[1]!, H2)].map((s) => s?.leader.endpoints ?? false);
    const now = await eventually('one leader', () => (leaders().filter(Boolean).length === 1 ? leaders() : undefined));
    const dead = now.indexOf(true);
    const survivor = 1 - dead;
    agents[dead]!.child.kill('SIGKILL');
    await agents[dead]!.exited;
    // The lease lapses 3 s after the last renewal; the survivor retries every second (lease/3).
    await eventually('survivor leads', () => (statusOf(agents[survivor]!, [H1, H2][survivor]!)?.leader.endpoints ? true : undefined), 2 * 3000, 100);
    const lease = await store.leases.get('svcnet-endpoints-controller');
    expect(lease?.holder).toMatch(new RegExp(`^node-${survivor + 1}-`));
    await putPod(store, pod('pod-c', 'node-2', '10.244.2.11', { app: 'b' }));
    const ips = await eventually('the new leader reconciles', async () => {
      const slices = await store.list('EndpointSlice', { namespace: 'default', labelSelector: { 'kubernetes.io/service-name': 'svc-b' } });
      const all = slices.items.flatMap((s) => s.endpoints.flatMap((e) => e.addresses));
      return all.includes('10.244.2.11') ? all.sort() : undefined;
    });
    expect(ips).toEqual(['10.244.2.10', '10.244.2.11']);
  });
});
