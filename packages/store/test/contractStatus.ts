import { InvalidObjectError, LABEL_SERVICE_NAME, type EndpointSlice, type Endpoints, type Pod, type Service } from '@svcnet/model';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoreTarget } from './contract.js';
import { service, type TestStore } from './helpers.js';

// Issue 22, findings 1 and 2: status belongs to controllers (only updateStatus sets it, validated),
// and no writer, trusted or not, stores a loopback, link-local or unspecified endpoint address.

/** What `svcnet apply` of the object sent: a LoadBalancer whose status names three bad addresses. */
const EVIL_INGRESS = [{ ip: '169.254.169.254' }, { ip: '127.0.0.1' }, { ip: '10.1.2.3\n' }];
const EVIL_ERRORS = [
  'status.loadBalancer.ingress[0].ip: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
  'status.loadBalancer.ingress[1].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
  'status.loadBalancer.ingress[2].ip: Invalid value: "10.1.2.3\\n": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
];

const evil = (name: string, type = 'LoadBalancer'): Service & { kind: 'Service' } =>
  service(name, { type, ports: [{ port: 80 }] }, { status: { loadBalancer: { ingress: EVIL_INGRESS } } });

const pod = (name: string, ip?: string): Pod & { kind: 'Pod' } => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
  ...(ip ? { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] } } : {}),
});

const slice = (name: string, addresses: string[]): EndpointSlice & { kind: 'EndpointSlice' } => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: 'default', labels: { [LABEL_SERVICE_NAME]: 'web' } },
  addressType: 'IPv4',
  endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true } })),
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
});

async function fieldErrors(p: Promise<unknown>): Promise<string[]> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(InvalidObjectError);
  return (e as InvalidObjectError).errors.map(String);
}

export function statusContract(target: StoreTarget): void {
  describe('status and address rules', () => {
    const opened: TestStore[] = [];
    const open = async () => {
      const s = await target.open();
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('create, apply and update drop a client status (PrepareForCreate/PrepareForUpdate)', async () => {
      const s = await open();
      const created = await s.create(evil('created'));
      expect(created.status).toBeUndefined();
      expect((await s.get('Service', 'default', 'created'))?.status).toBeUndefined();
      const applied = await s.apply(evil('evil'));
      expect(applied.action).toBe('created');
      expect(applied.object.status).toBeUndefined();
      // A controller's status, written the legitimate way, survives a client's apply and update.
      const lb = { loadBalancer: { ingress: [{ ip: '192.0.2.10', ipMode: 'VIP' }] } };
      const st = await s.updateStatus({ ...applied.object, kind: 'Service', status: lb });
      expect(st.status).toEqual(lb);
      const again = await s.apply(evil('evil'));
      expect(again.action).toBe('unchanged');
      const updated = await s.update({ ...st, kind: 'Service', metadata: { ...st.metadata, labels: { x: 'y' } }, status: { loadBalancer: { ingress: EVIL_INGRESS } } });
      expect(updated.status).toEqual(lb);
      expect((await s.get('Service', 'default', 'evil'))?.status).toEqual(lb);
      expect((await s.list('Service')).items.flatMap((o) => o.status?.loadBalancer?.ingress ?? []).map((i) => i.ip)).toEqual(['192.0.2.10']);
    });

    it('updateStatus refuses bad load balancer addresses with field errors and changes nothing', async () => {
      const s = await open();
      const svc = await s.create(evil('evil'));
      const rv = svc.metadata?.resourceVersion;
      expect(await fieldErrors(s.updateStatus({ ...svc, kind: 'Service', status: { loadBalancer: { ingress: EVIL_INGRESS } } }))).toEqual(EVIL_ERRORS);
      const stored = await s.get('Service', 'default', 'evil');
      expect(stored?.status).toBeUndefined();
      expect(stored?.metadata?.resourceVersion).toBe(rv);
    });

    it('updateStatus refuses load balancer status on a ClusterIP Service', async () => {
      const s = await open();
      const svc = await s.create(service('cluster', { ports: [{ port: 80 }] }));
      const write = s.updateStatus({ ...svc, kind: 'Service', status: { loadBalancer: { ingress: [{ ip: '169.254.169.254' }] } } });
      expect(await fieldErrors(write)).toEqual(["status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'"]);
      expect((await s.get('Service', 'default', 'cluster'))?.status).toBeUndefined();
    });

    it('a Pod status with a loopback podIP is dropped on create and apply, refused on updateStatus', async () => {
      const s = await open();
      const created = await s.create(pod('local', '127.0.0.1'));
      expect(created.status).toBeUndefined();
      expect((await s.apply(pod('applied', '127.0.0.1'))).object.status).toBeUndefined();
      expect(await fieldErrors(s.updateStatus({ ...pod('local', '127.0.0.1') }))).toEqual([
        'status.podIP: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
        'status.podIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      ]);
      expect((await s.get('Pod', 'default', 'local'))?.status).toBeUndefined();
      // The kubelet's way: a status write with the pod's real address.
      const running = await s.updateStatus(pod('local', '10.244.1.7'));
      expect(running.status?.podIPs).toEqual([{ ip: '10.244.1.7' }]);
    });

    it('Nodes keep their status on create, as upstream allows; updates keep the stored one', async () => {
      const s = await open();
      const addresses = [{ type: 'InternalIP', address: '192.0.2.21' }];
      const node = await s.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { addresses } });
      expect(node.status?.addresses).toEqual(addresses);
      const applied = await s.apply({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { a: 'b' } }, status: { addresses: [] } });
      expect(applied.object.status?.addresses).toEqual(addresses);
    });

    it('a trusted mirror keeps the status its API server gave', async () => {
      const s = await open();
      const lb = { loadBalancer: { ingress: [{ ip: '203.0.113.5' }] } };
      const mirrored = await s.apply(service('mirror', { type: 'LoadBalancer', ports: [{ port: 80 }] }, { status: lb }), { trusted: true });
      expect(mirrored.object.status).toEqual(lb);
    });

    it('trusted EndpointSlices and Endpoints still refuse loopback, link-local and unspecified addresses', async () => {
      const s = await open();
      const refusals = [
        [slice('web-a', ['10.244.0.1', '127.0.0.1']), 'endpoints[1].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)'],
        [slice('web-b', ['169.254.169.254']), 'endpoints[0].addresses[0]: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)'],
        [slice('web-c', ['0.0.0.0']), 'endpoints[0].addresses[0]: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)'],
      ] as const;
      for (const [obj, want] of refusals) {
        expect(await fieldErrors(s.create(obj, { trusted: true }))).toEqual([want]);
        expect(await fieldErrors(s.apply(obj, { trusted: true, immutable: true }))).toEqual([want]);
      }
      const endpoints: Endpoints & { kind: 'Endpoints' } = {
        apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' },
        subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 8080, protocol: 'TCP' }] }],
      };
      expect(await fieldErrors(s.create(endpoints, { trusted: true }))).toEqual([
        'subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      ]);
      // An update of a good slice to a bad one is refused too and leaves the good one stored.
      const good = await s.create(slice('web-d', ['10.244.0.1']), { trusted: true });
      expect(await fieldErrors(s.update({ ...good, kind: 'EndpointSlice', endpoints: [{ addresses: ['::ffff:127.0.0.1'] }] }, { trusted: true }))).toHaveLength(1);
      expect((await s.list('EndpointSlice')).items.map((o) => [o.metadata?.name, o.endpoints.flatMap((e) => e.addresses)])).toEqual([['web-d', ['10.244.0.1']]]);
      expect((await s.list('Endpoints')).items).toEqual([]);
    });
  });
}
