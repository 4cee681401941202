import { describe, expect, it } from 'vitest';
import type { Pod } from '@svcnet/model';
import { ANNOTATION_LAST_CHANGE_TRIGGER_TIME, ANNOTATION_OVER_CAPACITY, LABEL_HEADLESS } from '@svcnet/model';
import { endpoints, ipv4ipv6, ipv4only, ipv6ipv4, ipv6only, makePods, service, testPod, type Family , writable } from '../../test/fixtures.js';
import { endpointPortFromServicePort, planEndpoints, podToEndpointAddress } from './desiredEndpoints.js';
import { truncateSubsets } from './truncate.js';

// Transcribed from kubernetes/kubernetes pkg/controller/endpoint/endpoints_controller_test.go.
// Deviation: upstream sets nodeName to a pointer to "" for pods without a node; we omit it.
const ref = (ns: string, name: string) => ({ kind: 'Pod', namespace: ns, name });
const addr = (ip: string, ns: string, pod: string) => ({ ip, targetRef: ref(ns, pod) });

describe('TestSyncEndpoints*: which Services get Endpoints', () => {
  it.each([
    ['External name with selector and ports', { selector: { foo: 'bar' }, ports: [{ port: 80 }], type: 'ExternalName' }],
    ['External name with ports', { ports: [{ port: 80 }], type: 'ExternalName' }],
    ['External name with selector', { selector: { foo: 'bar' }, type: 'ExternalName' }],
    ['External name without selector and ports', { type: 'ExternalName' }],
    ['PreserveNoSelector: no selector', { ports: [{ port: 80 }] }],
  ])('%s receives no endpoints', (_name, spec) => {
    const pods = makePods('default', 1, 1);
    expect(planEndpoints(service('default', 'testing-1', spec), pods)).toBeUndefined();
  });

  it.each([
    ['ExistingNilSubsets', undefined],
    ['ExistingEmptySubsets', []],
  ])('%s: no write', (_n, subsets) => {
    const svc = service('default', 'foo', { selector: { foo: 'bar' }, ports: [{ port: 80 }] });
    const existing = endpoints('default', 'foo', subsets);
    expect(planEndpoints(svc, [], existing)?.action).toBe('none');
  });

  it('WithPodResourceVersionUpdateOnly: no write', () => {
    const ns = 'default';
    const pod0 = testPod(ns, 0, 1, true);
    const pod1 = testPod(ns, 1, 1, false);
    writable(pod0.metadata!).resourceVersion = '3';
    writable(pod1.metadata!).resourceVersion = '4';
    const existing = endpoints(ns, 'foo', [
      {
        addresses: [{ ip: '1.2.3.4', targetRef: { ...ref(ns, 'pod0'), resourceVersion: '1' } }],
        notReadyAddresses: [{ ip: '1.2.3.5', targetRef: { ...ref(ns, 'pod1'), resourceVersion: '2' } }],
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
    ]);
    const svc = service(ns, 'foo', { selector: { foo: 'bar' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }] });
    expect(planEndpoints(svc, [pod0, pod1], existing)?.action).toBe('none');
  });

  it('NewNoSubsets: creates an empty Endpoints', () => {
    const plan = planEndpoints(service('default', 'foo', { selector: { foo: 'bar' }, ports: [{ port: 80 }] }), []);
    expect(plan?.action).toBe('create');
    expect(plan?.endpoints.subsets).toEqual([]);
  });

  it('HeadlessServiceLabel: existing headless label is no change', () => {
    const existing = endpoints('default', 'foo', [], { labels: { [LABEL_HEADLESS]: '' } });
    const svc = service('default', 'foo', { selector: { foo: 'bar' }, ports: [{ port: 80 }] });
    expect(planEndpoints(svc, [], existing)?.action).toBe('none');
  });

  it.each(['TCP', 'UDP', 'SCTP'])('Protocol%s', (protocol) => {
    const ns = 'other';
    const existing = endpoints(ns, 'foo', [{ addresses: [{ ip: '6.7.8.9' }], ports: [{ port: 1000, protocol }] }]);
    const svc = service(ns, 'foo', { selector: {}, ports: [{ port: 80, targetPort: 8080, protocol }] });
    const plan = planEndpoints(svc, makePods(ns, 1, 1), existing)!;
    expect(plan.action).toBe('update');
    expect(plan.endpoints.metadata).toMatchObject({ name: 'foo', namespace: ns, resourceVersion: '1', labels: { [LABEL_HEADLESS]: '' } });
    expect(plan.endpoints.subsets).toEqual([{ addresses: [addr('1.2.3.4', ns, 'pod0')], ports: [{ port: 8080, protocol }] }]);
  });

  it.each([
    ['SelectsAll', 1, 0, [{ addresses: [addr('1.2.3.4', 'other', 'pod0')], ports: [{ port: 8080, protocol: 'TCP' }] }]],
    ['SelectsAllNotReady', 0, 1, [{ notReadyAddresses: [addr('1.2.3.4', 'other', 'pod0')], ports: [{ port: 8080, protocol: 'TCP' }] }]],
    [
      'SelectsAllMixed',
      1,
      1,
      [{ addresses: [addr('1.2.3.4', 'other', 'pod0')], notReadyAddresses: [addr('1.2.3.5', 'other', 'pod1')], ports: [{ port: 8080, protocol: 'TCP' }] }],
    ],
  ])('ItemsEmptySelector%s', (_n, ready, notReady, subsets) => {
    const svc = service('other', 'foo', { selector: {}, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }] });
    const plan = planEndpoints(svc, makePods('other', ready, 1, notReady), endpoints('other', 'foo', []))!;
    expect(plan.action).toBe('update');
    expect(plan.endpoints.subsets).toEqual(subsets);
  });

  it('ItemsPreexistingIdentical: no write', () => {
    const ns = 'default';
    const existing = endpoints(ns, 'foo', [{ addresses: [addr('1.2.3.4', ns, 'pod0')], ports: [{ port: 8080, protocol: 'TCP' }] }]);
    const svc = service(ns, 'foo', { selector: { foo: 'bar' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }] });
    expect(planEndpoints(svc, makePods(ns, 1, 1), existing)?.action).toBe('none');
  });

  it('Items: pods of other namespaces are not found; two ports in one subset', () => {
    const svc = service('other', 'foo', {
      selector: { foo: 'bar' },
      ports: [
        { name: 'port0', port: 80, protocol: 'TCP', targetPort: 8080 },
        { name: 'port1', port: 88, protocol: 'TCP', targetPort: 8088 },
      ],
    });
    const plan = planEndpoints(svc, [...makePods('other', 3, 2), ...makePods('blah', 5, 2)])!;
    expect(plan.action).toBe('create');
    expect(plan.endpoints.metadata?.labels).toEqual({ [LABEL_HEADLESS]: '' });
    expect(plan.endpoints.subsets).toEqual([
      {
        addresses: [addr('1.2.3.4', 'other', 'pod0'), addr('1.2.3.5', 'other', 'pod1'), addr('1.2.3.6', 'other', 'pod2')],
        ports: [
          { name: 'port0', port: 8080, protocol: 'TCP' },
          { name: 'port1', port: 8088, protocol: 'TCP' },
        ],
      },
    ]);
  });

  it('ItemsWithLabels and PreexistingLabelsChange: labels come from the Service', () => {
    const svc = service('bar', 'foo', { selector: { foo: 'bar' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }] }, { baz: 'blah' });
    const existing = endpoints('bar', 'foo', [{ addresses: [{ ip: '6.7.8.9' }], ports: [{ port: 1000 }] }], { labels: { foo: 'bar' } });
    const plan = planEndpoints(svc, makePods('bar', 1, 1), existing)!;
    expect(plan.endpoints.metadata?.labels).toEqual({ baz: 'blah', [LABEL_HEADLESS]: '' });
    // The comparison ignores the headless label (the Service never carries it), as upstream.
    const withIP = service('bar', 'foo', { ...svc.spec, clusterIP: '10.0.0.1' }, { baz: 'blah' });
    expect(planEndpoints(withIP, makePods('bar', 1, 1), plan.endpoints)!.action).toBe('none');
    const relabelled = service('bar', 'foo', { ...svc.spec, clusterIP: '10.0.0.1' }, { baz: 'other' });
    expect(planEndpoints(relabelled, makePods('bar', 1, 1), plan.endpoints)!.endpoints.metadata?.labels).toEqual({ baz: 'other' });
  });

  it('HeadlessService with empty ports and HeadlessWithoutPort', () => {
    const ns = 'headless';
    const svc = service(ns, 'foo', { selector: {}, clusterIP: 'None', ports: [] }, { a: 'b' });
    const plan = planEndpoints(svc, makePods(ns, 1, 1), endpoints(ns, 'foo', [{ addresses: [{ ip: '6.7.8.9' }], ports: [{ port: 1000, protocol: 'TCP' }] }]))!;
    expect(plan.endpoints.metadata?.labels).toEqual({ a: 'b', [LABEL_HEADLESS]: '' });
    expect(plan.endpoints.subsets).toEqual([{ addresses: [addr('1.2.3.4', ns, 'pod0')] }]);
    const noPorts = service('default', 'foo', { selector: { foo: 'bar' }, clusterIP: 'None' });
    expect(planEndpoints(noPorts, makePods('default', 1, 1))!.endpoints.subsets).toEqual([{ addresses: [addr('1.2.3.4', 'default', 'pod0')] }]);
  });

  it.each(['Failed', 'Succeeded'])('ExcludeNotReadyPods with phase %s', (phase) => {
    const pods = makePods('other', 0, 1, 1).map((p) => ({ ...p, status: { ...p.status, phase } }));
    const svc = service('other', 'foo', { selector: { foo: 'bar' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }] });
    const plan = planEndpoints(svc, pods, endpoints('other', 'foo', [], { labels: { foo: 'bar' } }))!;
    expect(plan.action).toBe('update');
    expect(plan.endpoints.subsets).toEqual([]);
    expect(plan.endpoints.metadata?.labels).toEqual({ [LABEL_HEADLESS]: '' });
  });
});

describe('TestPodToEndpointAddressForService', () => {
  it.each<[string, Family[], { clusterIP?: string; ipFamilies?: Family[] }, Family | undefined]>([
    ['v4 service, in a single stack cluster', ipv4only, { clusterIP: '10.0.0.1' }, 'IPv4'],
    ['v4 service, in a dual stack cluster', ipv4ipv6, { clusterIP: '10.0.0.1' }, 'IPv4'],
    ['v4 service, in a dual stack ipv6-primary cluster', ipv6ipv4, { clusterIP: '10.0.0.1' }, 'IPv4'],
    ['v4 headless service, in a single stack cluster', ipv4only, { clusterIP: 'None' }, 'IPv4'],
    ['v4 headless service, in a dual stack cluster', ipv4ipv6, { clusterIP: 'None', ipFamilies: ['IPv4'] }, 'IPv4'],
    ['v4 legacy headless service, in a dual stack cluster', ipv4ipv6, { clusterIP: 'None' }, 'IPv4'],
    ['v4 legacy headless service, in a dual stack ipv6-primary cluster', ipv6ipv4, { clusterIP: 'None' }, 'IPv6'],
    ['v6 service, in a dual stack cluster', ipv4ipv6, { clusterIP: '3000::1' }, 'IPv6'],
    ['v6 headless service, in a single stack cluster', ipv6only, { clusterIP: 'None' }, 'IPv6'],
    ['v6 headless service, in a dual stack cluster (connected to a new api-server)', ipv4ipv6, { clusterIP: 'None', ipFamilies: ['IPv6'] }, 'IPv6'],
    ['v6 legacy headless service, in a dual stack cluster (connected to a old api-server)', ipv6ipv4, { clusterIP: 'None' }, 'IPv6'],
    ['v4 service, in a single stack ipv6 cluster', ipv6only, { clusterIP: '10.0.0.1' }, undefined],
    ['v6 service, in a single stack ipv4 cluster', ipv4only, { clusterIP: '3000::1' }, undefined],
  ])('%s', (_name, families, spec, expected) => {
    const pod = testPod('default', 1, 1, true, families);
    const a = podToEndpointAddress(service('default', 'svc', spec), pod);
    if (expected === undefined) expect(a).toBeUndefined();
    else expect(a?.ip.includes(':') ? 'IPv6' : 'IPv4').toBe(expected);
  });
});

describe('TestSyncServiceOverCapacity', () => {
  const max = 1000;
  it.each([
    ['empty', undefined, 0, 0, 0, 0, 0, false],
    ['annotation added past capacity, < than maxCapacity of Ready Addresses', undefined, max - 1, max - 3, 4, max - 3, 3, true],
    ['annotation added past capacity, maxCapacity of Ready Addresses', undefined, max - 1, max, 10, max, 0, true],
    ['annotation removed below capacity', 'truncated', max - 1, max - 1, 0, max - 1, 0, false],
    ['annotation was set to warning previously, annotation removed at capacity', 'warning', max, max, 0, max, 0, false],
    ['annotation was set to warning previously but still over capacity', 'warning', max + 1, max + 1, 0, max, 0, true],
    ['annotation removed at capacity', 'truncated', max, max, 0, max, 0, false],
    ['no endpoints change, annotation value corrected', 'invalid', max + 1, max + 1, 0, max, 0, true],
  ] as const)('%s', (_n, starting, numExisting, numDesired, numDesiredNotReady, numExpectedReady, numExpectedNotReady, expectedAnnotation) => {
    const ns = 'test';
    const pods: Pod[] = [];
    for (let i = 0; i < numDesired + numDesiredNotReady; i++) {
      const p = testPod(ns, i, 1, i < numDesired);
      p.status!.podIPs = [{ ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` }];
      pods.push(p);
    }
    const svc = service(ns, 'foo', { selector: { foo: 'bar' }, ports: [{ port: 80 }] });
    const existing = endpoints(ns, 'foo', [{ addresses: pods.slice(0, numExisting).map((p) => podToEndpointAddress(svc, p)!) }], {
      annotations: starting ? { [ANNOTATION_OVER_CAPACITY]: starting } : {},
    });
    const plan = planEndpoints(svc, pods, existing)!;
    const ann = plan.endpoints.metadata?.annotations?.[ANNOTATION_OVER_CAPACITY];
    expect(ann).toBe(expectedAnnotation ? 'truncated' : undefined);
    const ready = plan.endpoints.subsets!.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
    const notReady = plan.endpoints.subsets!.reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0);
    expect([ready, notReady]).toEqual([numExpectedReady, numExpectedNotReady]);
    // a second sync over the written object writes nothing
    expect(planEndpoints(svc, pods, plan.endpoints)?.action).toBe('none');
  });
});

describe('TestTruncateEndpoints', () => {
  it.each([
    ['total endpoints < max capacity', [50, 100, 100, 100, 100], [50, 100, 100, 100, 100], [50, 100, 100, 100, 100], [50, 100, 100, 100, 100]],
    ['total endpoints = max capacity', [100, 100, 100, 100, 100], [100, 100, 100, 100, 100], [100, 100, 100, 100, 100], [100, 100, 100, 100, 100]],
    ['total ready endpoints < max capacity, but total endpoints > max capacity', [90, 110, 50, 10, 20], [101, 200, 200, 201, 298], [90, 110, 50, 10, 20], [73, 144, 144, 145, 214]],
    ['total ready endpoints > max capacity', [205, 400, 402, 400, 693], [100, 200, 200, 200, 300], [98, 191, 192, 191, 328], [0, 0, 0, 0, 0]],
  ])('%s', (_d, ready, notReady, expectedReady, expectedNotReady) => {
    const subsets = ready.map((r, i) => ({
      addresses: Array.from({ length: r }, () => ({ ip: '' })),
      notReadyAddresses: Array.from({ length: notReady[i]! }, () => ({ ip: '' })),
    }));
    const out = truncateSubsets(subsets) ?? subsets;
    expect(out.map((s) => s.addresses?.length ?? 0)).toEqual(expectedReady);
    expect(out.map((s) => s.notReadyAddresses?.length ?? 0)).toEqual(expectedNotReady);
  });
});

describe('TestEndpointPortFromServicePort', () => {
  it.each([
    ['empty app protocol', undefined],
    ['http app protocol', 'http'],
  ])('%s', (_n, appProtocol) => {
    const epp = endpointPortFromServicePort({ name: 'test', port: 80, ...(appProtocol ? { appProtocol } : {}) }, 80);
    expect(epp.appProtocol).toBe(appProtocol);
  });
});

describe('pod rules', () => {
  const svcSpec = { selector: { foo: 'bar' }, clusterIP: '10.0.0.1', ports: [{ port: 80, targetPort: 8080 }] };
  const terminating = (p: Pod): Pod => ({ ...p, metadata: { ...p.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } });

  it('terminating pods are left out unless publishNotReadyAddresses, which puts all in addresses', () => {
    const pods = [testPod('ns', 0, 1, true), terminating(testPod('ns', 1, 1, true)), testPod('ns', 2, 1, false)];
    const plain = planEndpoints(service('ns', 'svc', svcSpec), pods)!.endpoints.subsets!;
    expect(plain).toEqual([{ addresses: [addr('1.2.3.4', 'ns', 'pod0')], notReadyAddresses: [addr('1.2.3.6', 'ns', 'pod2')], ports: [{ port: 8080, protocol: 'TCP' }] }]);
    const pnra = planEndpoints(service('ns', 'svc', { ...svcSpec, publishNotReadyAddresses: true }), pods)!.endpoints.subsets!;
    expect(pnra).toEqual([
      { addresses: [addr('1.2.3.4', 'ns', 'pod0'), addr('1.2.3.5', 'ns', 'pod1'), addr('1.2.3.6', 'ns', 'pod2')], ports: [{ port: 8080, protocol: 'TCP' }] },
    ]);
  });

  it('pods without an IP are left out', () => {
    const p = testPod('ns', 0, 1, true);
    writable(p).status = { conditions: p.status!.conditions! };
    expect(planEndpoints(service('ns', 'svc', svcSpec), [p])!.endpoints.subsets).toEqual([]);
  });

  it('hostname only when the subdomain is the Service name; nodeName and uid in targetRef', () => {
    const a = testPod('ns', 0, 1, true);
    a.spec = { ...a.spec!, hostname: 'web-0', subdomain: 'svc', nodeName: 'node-1' };
    writable(a.metadata!).uid = 'uid-a';
    const b = testPod('ns', 1, 1, true);
    b.spec = { ...b.spec!, hostname: 'web-1', subdomain: 'other' };
    const subsets = planEndpoints(service('ns', 'svc', svcSpec), [a, b])!.endpoints.subsets!;
    expect(subsets[0]!.addresses).toEqual([
      { ip: '1.2.3.4', hostname: 'web-0', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'pod0', uid: 'uid-a' } },
      addr('1.2.3.5', 'ns', 'pod1'),
    ]);
  });

  it('named targetPorts resolve per pod by name and protocol; different numbers land in different subsets', () => {
    const mk = (id: number, port: number, protocol = 'TCP'): Pod => {
      const p = testPod('ns', id, 0, true);
      p.spec!.containers[0]!.ports = [{ name: 'http', containerPort: port, protocol }];
      return p;
    };
    const svc = service('ns', 'svc', { selector: { foo: 'bar' }, clusterIP: '10.0.0.1', ports: [{ name: 'web', port: 80, targetPort: 'http' }] });
    const subsets = planEndpoints(svc, [mk(0, 8080), mk(1, 9090), mk(2, 8080), mk(3, 8080, 'UDP')])!.endpoints.subsets!;
    expect(subsets).toHaveLength(2);
    const byPort = Object.fromEntries(subsets.map((s) => [s.ports![0]!.port, s.addresses!.map((a) => a.targetRef!.name)]));
    expect(byPort).toEqual({ 8080: ['pod0', 'pod2'], 9090: ['pod1'] });
  });

  it('not ready wins over ready for the same address (RepackSubsets)', () => {
    const svc = service('ns', 'svc', { selector: {}, clusterIP: '10.0.0.1', ports: [{ name: 'a', port: 80, targetPort: 8080 }, { name: 'b', port: 81, targetPort: 8081 }] });
    const subsets = planEndpoints(svc, [testPod('ns', 0, 0, false), testPod('ns', 1, 0, true)])!.endpoints.subsets!;
    expect(subsets).toHaveLength(1);
    expect(subsets[0]!.ports!.map((p) => p.name)).toEqual(['a', 'b']);
  });

  it('records the last-change-trigger-time and clears it when absent', () => {
    const svc = service('ns', 'svc', svcSpec);
    const plan = planEndpoints(svc, [testPod('ns', 0, 1, true)], undefined, { triggerTime: '2018-01-01T00:00:00Z' })!;
    expect(plan.endpoints.metadata?.annotations).toEqual({ [ANNOTATION_LAST_CHANGE_TRIGGER_TIME]: '2018-01-01T00:00:00Z' });
    const next = planEndpoints(svc, [testPod('ns', 0, 1, false)], plan.endpoints)!;
    expect(next.action).toBe('update');
    expect(next.endpoints.metadata?.annotations).toBeUndefined();
  });
});
