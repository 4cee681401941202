import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@svcnet/model';
import type { Snapshot } from './dashboard/clusterModel.js';
import { serviceDnsRecords, serviceRules } from './renderers.js';

const svc: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'hostnames', namespace: 'default' },
  spec: { type: 'ClusterIP', clusterIP: '10.0.1.175', clusterIPs: ['10.0.1.175'], selector: { app: 'hostnames' }, ports: [{ name: 'default', port: 80, targetPort: 9376, protocol: 'TCP' }] },
};
const slice: EndpointSlice = {
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'hostnames-abcde', namespace: 'default', labels: { 'kubernetes.io/service-name': 'hostnames' } },
  addressType: 'IPv4',
  ports: [{ name: 'default', port: 9376, protocol: 'TCP' }],
  endpoints: ['10.244.0.5', '10.244.0.6', '10.244.0.7'].map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
};
const other: Service = { ...svc, metadata: { name: 'other', namespace: 'default' }, spec: { ...svc.spec, clusterIP: '10.0.9.9', clusterIPs: ['10.0.9.9'] } };
const snap = { slicesByService: new Map([['default/hostnames', [slice]]]), services: [svc, other] } as unknown as Snapshot;

describe('detail renderers', () => {
  it('shows the three-way probability chain of the seed example in iptables mode', () => {
    const lines = serviceRules(snap, svc, 'iptables');
    const text = lines.join('\n');
    expect(text).toContain('-d 10.0.1.175 --dport 80 -j KUBE-SVC-');
    expect(text).toContain('--probability 0.3333333333');
    expect(text).toContain('--probability 0.5000000000');
    expect(lines.filter((l) => l.includes('-j DNAT')).length).toBe(3);
    expect(text).not.toContain('10.0.9.9');
  });

  it('shows the nftables rules for the same service', () => {
    const text = serviceRules(snap, svc, 'nftables').join('\n');
    expect(text).toContain('10.0.1.175');
    expect(text).toMatch(/numgen random mod 3/);
  });

  it('lists the A, SRV and PTR records', () => {
    const text = serviceDnsRecords(snap, svc).join('\n');
    expect(text).toMatch(/hostnames\.default\.svc\.cluster\.local\.?\s+5\s+IN\s+A\s+10\.0\.1\.175/);
    expect(text).toMatch(/_default\._tcp\.hostnames\.default\.svc\.cluster\.local\.?\s+5\s+IN\s+SRV/);
    expect(text).toContain('175.1.0.10.in-addr.arpa');
  });
});
