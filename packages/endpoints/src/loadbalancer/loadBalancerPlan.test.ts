import { describe, expect, it } from 'vitest';
import type { Service } from '@svcnet/model';
import { assignedAddresses, planLoadBalancers } from './loadBalancerPlan.js';

const POOLS = ['192.168.1.240-192.168.1.242'];

function svc(name: string, o: { type?: string; ip?: string; requested?: string; created?: string; cls?: string } = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', creationTimestamp: o.created ?? `2024-01-01T00:00:0${name.length}Z` },
    spec: { type: o.type ?? 'LoadBalancer', ports: [{ port: 80 }], ...(o.requested ? { loadBalancerIP: o.requested } : {}), ...(o.cls ? { loadBalancerClass: o.cls } : {}) },
    status: o.ip ? { loadBalancer: { ingress: [{ ip: o.ip }] } } : {},
  } as Service;
}

describe('planLoadBalancers', () => {
  it.each([
    ['assigns the lowest free address', [svc('a')], [['default/a', '192.168.1.240']], []],
    ['keeps an assigned address', [svc('a', { ip: '192.168.1.241' }), svc('bb')], [['default/bb', '192.168.1.240']], []],
    ['honours spec.loadBalancerIP', [svc('a', { requested: '192.168.1.242' })], [['default/a', '192.168.1.242']], []],
    ['releases on type change', [svc('a', { type: 'ClusterIP', ip: '192.168.1.240' })], [['default/a', '']], []],
    ['leaves addresses outside the pools alone', [svc('a', { type: 'ClusterIP', ip: '203.0.113.9' })], [], []],
    ['skips another implementation\'s class', [svc('a', { cls: 'example.com/lb' })], [], []],
    ['reports a requested address outside the pools', [svc('a', { requested: '10.0.0.1' })], [], ['default/a']],
    ['reports an exhausted pool', [svc('a'), svc('bb'), svc('ccc'), svc('dddd')], [['default/a', '192.168.1.240'], ['default/bb', '192.168.1.241'], ['default/ccc', '192.168.1.242']], ['default/dddd']],
    ['gives a duplicated address to the oldest claimant', [svc('a', { ip: '192.168.1.240', created: '2024-01-02T00:00:00Z' }), svc('bb', { ip: '192.168.1.240', created: '2024-01-01T00:00:00Z' })], [['default/a', '192.168.1.241']], []],
  ])('%s', (_name, services, want, problems) => {
    const plan = planLoadBalancers(services, POOLS);
    expect(plan.changes.map((c) => [c.key, c.ingress[0]?.ip ?? ''])).toEqual(want);
    expect(plan.problems.map((p) => p.key)).toEqual(problems);
  });

  it('announces the pool addresses of LoadBalancer Services only', () => {
    expect(assignedAddresses([svc('a', { ip: '192.168.1.241' }), svc('bb', { type: 'ClusterIP', ip: '192.168.1.240' }), svc('c', { ip: '203.0.113.1' })], POOLS)).toEqual(['192.168.1.241']);
  });
});
