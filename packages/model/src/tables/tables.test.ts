import type { Endpoints, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { describe, expect, it } from 'vitest';
import { formatAge, formatEndpointSliceEndpoints, formatEndpointSlicePorts, formatEndpoints, formatIngressHosts, formatServicePorts, formatTable, tableFor } from './index.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

describe('formatAge (apimachinery duration.HumanDuration, TestHumanDuration)', () => {
  const S = 1000;
  const H = 3600 * S;
  it.each([
    [S, '1s'],
    [70 * S, '70s'],
    [190 * S, '3m10s'],
    [180 * S, '3m'],
    [70 * 60 * S, '70m'],
    [7 * H + 5 * 60 * S, '7h5m'],
    [47 * H, '47h'],
    [49 * H, '2d1h'],
    [(8 * 24 + 2) * H, '8d'],
    [367 * 24 * H, '367d'],
    [(365 * 2 * 24 + 25) * H, '2y1d'],
    [(365 * 8 * 24 + 2) * H, '8y'],
    [-1 * S, '0s'],
    [-2 * S, '<invalid>'],
  ])('%d ms -> %s', (ms, want) => expect(formatAge(ms)).toBe(want));
});

const service = (name: string, spec: Service['spec'], status?: Service['status']): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default', creationTimestamp: ago(3 * 86400) },
  spec,
  ...(status ? { status } : {}),
});

describe('services (printService, TestPrintService)', () => {
  it.each([
    ['ClusterIP', { type: 'ClusterIP', ports: [{ protocol: 'tcp', port: 2233 }], clusterIP: '10.9.8.7' }, undefined, ['ClusterIP', '10.9.8.7', '<none>', '2233/tcp']],
    ['NodePort', { type: 'NodePort', ports: [{ protocol: 'TCP', port: 8888, nodePort: 9999 }], clusterIP: '10.9.8.7' }, undefined, ['NodePort', '10.9.8.7', '<none>', '8888:9999/TCP']],
    ['LoadBalancer pending', { type: 'LoadBalancer', ports: [{ protocol: 'TCP', port: 8888 }], clusterIP: '10.9.8.7' }, undefined, ['LoadBalancer', '10.9.8.7', '<pending>', '8888/TCP']],
    ['LoadBalancer with ingress and externalIPs', { type: 'LoadBalancer', ports: [{ protocol: 'TCP', port: 8888, nodePort: 30001 }], clusterIP: '10.9.8.7', externalIPs: ['80.11.12.10'] }, { loadBalancer: { ingress: [{ ip: '2.3.4.5' }, { ip: '3.4.5.6' }] } }, ['LoadBalancer', '10.9.8.7', '2.3.4.5,3.4.5.6,80.11.12.10', '8888:30001/TCP']],
    ['ExternalName', { type: 'ExternalName', externalName: 'my.database.example.com' }, undefined, ['ExternalName', '<none>', 'my.database.example.com', '<none>']],
    ['ClusterIP with externalIPs', { type: 'ClusterIP', ports: [{ port: 80 }], clusterIP: '10.0.0.1', externalIPs: ['80.11.12.10', '80.11.12.11'] }, undefined, ['ClusterIP', '10.0.0.1', '80.11.12.10,80.11.12.11', '80/TCP']],
    ['headless', { clusterIP: 'None', ports: [{ port: 80, name: 'web' }], selector: { app: 'nginx' } }, undefined, ['ClusterIP', 'None', '<none>', '80/TCP']],
  ] as const)('%s', (_, spec, status, want) => {
    const t = tableFor('Service', [service('svc', spec as Service['spec'], status as Service['status'])], { now: NOW });
    expect(t.columns).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    expect(t.rows[0]).toEqual(['svc', ...want, '3d']);
  });

  it('cuts long load balancer lists unless wide, and shows SELECTOR when wide', () => {
    const s = service('lb', { type: 'LoadBalancer', clusterIP: '10.0.0.9', selector: { b: '2', a: '1' }, ports: [{ port: 80, nodePort: 30080 }] }, { loadBalancer: { ingress: [{ ip: '192.168.100.200' }, { hostname: 'lb.example.com' }] } });
    expect(tableFor('Service', [s], { now: NOW }).rows[0]![3]).toBe('192.168.100.2...');
    const wide = tableFor('Service', [s], { now: NOW, wide: true });
    expect(wide.columns.at(-1)).toBe('SELECTOR');
    expect(wide.rows[0]).toEqual(['lb', 'LoadBalancer', '10.0.0.9', '192.168.100.200,lb.example.com', '80:30080/TCP', '3d', 'a=1,b=2']);
  });

  it('lays out like kubectl, with NAMESPACE for all namespaces', () => {
    const out = formatTable(
      'Service',
      [service('kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443 }] }), service('my-nginx', { type: 'NodePort', clusterIP: '10.96.12.34', ports: [{ port: 80, nodePort: 30080 }] })],
      { now: NOW, allNamespaces: true },
    );
    expect(out).toBe(
      [
        'NAMESPACE   NAME         TYPE        CLUSTER-IP    EXTERNAL-IP   PORT(S)        AGE',
        'default     kubernetes   ClusterIP   10.96.0.1     <none>        443/TCP        3d',
        'default     my-nginx     NodePort    10.96.12.34   <none>        80:30080/TCP   3d',
        '',
      ].join('\n'),
    );
    expect(formatTable('Service', [])).toBe('No resources found\n');
    expect(formatServicePorts(service('x', { ports: [{ port: 53, protocol: 'UDP', name: 'dns' }, { port: 53, name: 'dns-tcp' }] }))).toBe('53/UDP,53/TCP');
  });
});

describe('load balancer services (TestPrintServiceLoadBalancer)', () => {
  const lb = (name: string, clusterIP: string, ports: Array<[number, string]>, ingress: Array<{ ip?: string; hostname?: string }>, selector?: Record<string, string>): Service => ({
    metadata: { name },
    spec: { clusterIPs: [clusterIP], type: 'LoadBalancer', ports: ports.map(([port, protocol]) => ({ port, protocol })), ...(selector ? { selector } : {}) },
    status: { loadBalancer: { ingress } },
  });
  const three: Array<[number, string]> = [[80, 'TCP'], [8090, 'UDP'], [8000, 'TCP']];
  const many = [{ ip: '2.3.4.5' }, { ip: '3.4.5.6' }, { ip: '5.6.7.8', hostname: 'host5678' }];
  it.each([
    [lb('service1', '1.2.3.4', [[80, 'TCP']], [{ ip: '2.3.4.5' }, { ip: '3.4.5.6' }]), false, ['service1', 'LoadBalancer', '1.2.3.4', '2.3.4.5,3.4.5.6', '80/TCP', '<unknown>']],
    [lb('service2', '1.3.4.5', [[80, 'TCP'], [8090, 'UDP'], [8000, 'TCP'], [7777, 'SCTP']], []), false, ['service2', 'LoadBalancer', '1.3.4.5', '<pending>', '80/TCP,8090/UDP,8000/TCP,7777/SCTP', '<unknown>']],
    [lb('service3', '1.4.5.6', three, [{ ip: '2.3.4.5' }]), false, ['service3', 'LoadBalancer', '1.4.5.6', '2.3.4.5', '80/TCP,8090/UDP,8000/TCP', '<unknown>']],
    [lb('service4', '1.5.6.7', three, many), false, ['service4', 'LoadBalancer', '1.5.6.7', '2.3.4.5,3.4.5...', '80/TCP,8090/UDP,8000/TCP', '<unknown>']],
    [lb('service4', '1.5.6.7', three, many, { foo: 'bar' }), true, ['service4', 'LoadBalancer', '1.5.6.7', '2.3.4.5,3.4.5.6,5.6.7.8', '80/TCP,8090/UDP,8000/TCP', '<unknown>', 'foo=bar']],
  ] as const)('%#', (svc, wide, want) => expect(tableFor('Service', [svc], { wide, now: NOW }).rows[0]).toEqual(want));
});

describe('pods (TestPrintPod)', () => {
  const cs = (over: object) => ({ name: 'c', image: '', imageID: '', ready: false, restartCount: 3, ...over });
  const pod = (name: string, status: object) => ({ metadata: { name }, spec: { containers: [{ name: 'a' }, { name: 'b' }] }, status });
  it.each([
    [pod('test1', { phase: 'podPhase', containerStatuses: [cs({ ready: true, state: { running: {} } }), cs({})] }), ['test1', '1/2', 'podPhase', '6', '<unknown>']],
    [pod('test2', { phase: 'podPhase', containerStatuses: [cs({ ready: true, state: { running: {} } }), cs({ state: { waiting: { reason: 'ContainerWaitingReason' } } })] }), ['test2', '1/2', 'ContainerWaitingReason', '6', '<unknown>']],
    [pod('test3', { phase: 'podPhase', containerStatuses: [cs({ state: { waiting: { reason: 'ContainerWaitingReason' } } }), cs({ state: { terminated: { reason: 'ContainerTerminatedReason', exitCode: 0 } } })] }), ['test3', '0/2', 'ContainerWaitingReason', '6', '<unknown>']],
    [pod('test4', { phase: 'podPhase', containerStatuses: [cs({ ready: true, state: { running: {} } }), cs({ ready: true })] }), ['test4', '1/2', 'podPhase', '6', '<unknown>']],
    [pod('test5', { reason: 'podReason', phase: 'podPhase', containerStatuses: [cs({ ready: true, state: { running: {} } }), cs({ ready: true })] }), ['test5', '1/2', 'podReason', '6', '<unknown>']],
    [pod('test6', { phase: 'Running', containerStatuses: [cs({ ready: true, state: { terminated: { reason: 'Completed', exitCode: 0 } } }), cs({ ready: true, state: { running: {} } })] }), ['test6', '1/2', 'NotReady', '6', '<unknown>']],
    [pod('test6', { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [cs({ ready: true, state: { terminated: { reason: 'Completed', exitCode: 0 } } }), cs({ ready: true, state: { running: {} } })] }), ['test6', '1/2', 'Running', '6', '<unknown>']],
    [pod('restarted', { phase: 'Running', containerStatuses: [cs({ ready: true, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(10) } } })] }), ['restarted', '1/2', 'Running', '3 (10s ago)', '<unknown>']],
  ])('%#', (p, want) => expect(tableFor('Pod', [p as never], { now: NOW }).rows[0]).toEqual(want));
});

describe('endpoints (formatEndpoints, TestPrintEndpoint)', () => {
  const ep = (subsets: Endpoints['subsets']): Endpoints => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'e' }, subsets });
  it.each([
    ['no subsets', undefined, '<none>'],
    ['one address one port', [{ addresses: [{ ip: '1.2.3.4' }], ports: [{ port: 8001, protocol: 'TCP' }] }], '1.2.3.4:8001'],
    ['port-less (headless)', [{ addresses: [{ ip: '1.2.3.4' }, { ip: '5.6.7.8' }] }], '1.2.3.4,5.6.7.8'],
    ['IPv6', [{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }], '[fd00::1]:80'],
    [
      'more than three',
      [
        { addresses: [{ ip: '1.2.3.4' }, { ip: '5.6.7.8' }], ports: [{ port: 8001, protocol: 'TCP' }, { port: 8002, protocol: 'TCP' }] },
        { addresses: [{ ip: '9.8.7.6' }], ports: [{ port: 8003, protocol: 'TCP' }] },
      ],
      '1.2.3.4:8001,5.6.7.8:8001,1.2.3.4:8002 + 2 more...',
    ],
    ['only not ready', [{ notReadyAddresses: [{ ip: '1.2.3.4' }], ports: [{ port: 80 }] }], ''],
  ] as const)('%s', (_, subsets, want) => expect(formatEndpoints(ep(subsets as Endpoints['subsets']))).toBe(want));

  it('table', () => {
    expect(formatTable('Endpoints', [{ ...ep([{ addresses: [{ ip: '10.244.1.5' }], ports: [{ port: 80 }] }]), metadata: { name: 'my-nginx', creationTimestamp: ago(65) } }], { now: NOW })).toBe(
      'NAME       ENDPOINTS       AGE\nmy-nginx   10.244.1.5:80   65s\n',
    );
  });
});

describe('endpointslices (formatDiscoveryPorts/Endpoints, TestPrintEndpointSlice)', () => {
  const slice = (ports: EndpointSlice['ports'], addrs: string[][]): EndpointSlice => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'abcslice.123', creationTimestamp: ago(10) },
    addressType: 'IPv4',
    ports,
    endpoints: addrs.map((addresses) => ({ addresses })),
  });
  it.each([
    [[{ name: 'http', port: 80, protocol: 'TCP' }], [['10.1.2.3', '2001:db8::1234:5678']], '80', '10.1.2.3,2001:db8::1234:5678'],
    [[{ name: 'http', port: 80 }, { name: 'https', port: 443 }], [['10.1.2.3'], ['10.2.3.4']], '80,443', '10.1.2.3,10.2.3.4'],
    [[{ port: 80 }, { port: 81 }, { port: 82 }, { port: 83 }], [['10.1.2.3', '10.2.3.4'], ['10.1.2.5', '10.2.3.6'], ['10.8.2.3']], '80,81,82 + 1 more...', '10.1.2.3,10.2.3.4,10.1.2.5 + 2 more...'],
    [[{ name: 'named' }], [], 'named', '<unset>'],
    [[], [], '<unset>', '<unset>'],
  ] as const)('ports %j', (ports, addrs, wantPorts, wantEndpoints) => {
    const s = slice(ports as unknown as EndpointSlice['ports'], addrs as unknown as string[][]);
    expect(formatEndpointSlicePorts(s)).toBe(wantPorts);
    expect(formatEndpointSliceEndpoints(s)).toBe(wantEndpoints);
    expect(tableFor('EndpointSlice', [s], { now: NOW }).rows[0]).toEqual(['abcslice.123', 'IPv4', wantPorts, wantEndpoints, '10s']);
  });
});

describe('ingresses (printIngress, TestPrintIngress)', () => {
  const ing = (spec: Ingress['spec'], status?: Ingress['status']): Ingress => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'test1', creationTimestamp: ago(10 * 365 * 86400) }, spec, ...(status ? { status } : {}) });
  it('matches upstream\'s row', () => {
    const i = ing(
      { ingressClassName: 'foo', defaultBackend: { service: { name: 'default-backend', port: { name: 'default-backend' } } } },
      { loadBalancer: { ingress: [{ ip: '2.3.4.5', hostname: 'localhost.localdomain' }] } },
    );
    expect(tableFor('Ingress', [i], { now: NOW }).rows[0]).toEqual(['test1', 'foo', '*', '2.3.4.5', '80', '10y']);
  });
  it('hosts, more, TLS ports', () => {
    const rules = ['a.example.com', 'b.example.com', '', 'c.example.com', 'd.example.com'].map((host) => (host ? { host } : {}));
    expect(formatIngressHosts(ing({ rules }))).toBe('a.example.com,b.example.com,c.example.com + 2 more...');
    const row = tableFor('Ingress', [ing({ tls: [{ hosts: ['foo.bar.com'], secretName: 's' }], rules: [{ host: 'foo.bar.com' }] })], { now: NOW }).rows[0]!;
    expect(row.slice(1, 5)).toEqual(['<none>', 'foo.bar.com', '', '80, 443']);
  });
});

describe('pods and nodes', () => {
  it('pod READY, STATUS, RESTARTS and wide columns', () => {
    const t = tableFor(
      'Pod',
      [
        {
          metadata: { name: 'nginx-1', creationTimestamp: ago(200) },
          spec: { containers: [{ name: 'a' }, { name: 'b' }], nodeName: 'node-1' },
          status: { phase: 'Running', podIP: '10.244.1.5', containerStatuses: [{ name: 'a', ready: true, restartCount: 3, image: '', imageID: '', state: { running: {} } }, { name: 'b', ready: false, restartCount: 0, image: '', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff' } } }] },
        },
        { metadata: { name: 'gone', deletionTimestamp: ago(1), creationTimestamp: ago(7200) }, spec: { containers: [{ name: 'a' }] }, status: { phase: 'Running' } },
      ],
      { now: NOW, wide: true },
    );
    expect(t.columns).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    expect(t.rows).toEqual([
      ['nginx-1', '1/2', 'CrashLoopBackOff', '3', '3m20s', '10.244.1.5', 'node-1', '<none>', '<none>'],
      ['gone', '0/1', 'Terminating', '0', '120m', '<none>', '<none>', '<none>', '<none>'],
    ]);
  });

  it('node STATUS, ROLES, VERSION', () => {
    const t = tableFor(
      'Node',
      [
        { metadata: { name: 'n1', labels: { 'node-role.kubernetes.io/control-plane': '' }, creationTimestamp: ago(86400 * 30) }, spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.30.0' } as never } },
        { metadata: { name: 'n2' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } },
      ],
      { now: NOW },
    );
    expect(t.rows).toEqual([
      ['n1', 'Ready,SchedulingDisabled', 'control-plane', '30d', 'v1.30.0'],
      ['n2', 'NotReady', '<none>', '<unknown>', ''],
    ]);
  });
});
