import { InvalidObjectError, cidrContains } from '@svcnet/model';
import { afterEach, describe, expect, it } from 'vitest';
import { isStoreError } from '../src/index.js';
import type { StoreTarget } from './contract.js';
import { service, type TestStore } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function coordinationContract(target: StoreTarget): void {
  describe('coordination', () => {
    const opened: TestStore[] = [];
    const open = async (o?: Parameters<StoreTarget['open']>[0]) => {
      const s = await target.open(o);
      opened.push(s);
      return s;
    };
    const peer = async (s: TestStore) => {
      const p = await target.peer(s);
      if (p !== s) opened.push(p);
      return p;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('grants a lease to one holder at a time with strictly increasing tokens', async () => {
      const s = await open();
      const a = await s.leases.acquire('reconciler', 'agent-a', 10_000);
      expect(a).toMatchObject({ name: 'reconciler', holder: 'agent-a', token: 1 });
      expect(await s.leases.acquire('reconciler', 'agent-b', 10_000)).toBeUndefined();
      const again = await s.leases.acquire('reconciler', 'agent-a', 10_000);
      expect(again?.token).toBe(1);
      const renewed = await s.leases.renew(a!, 20_000);
      expect(renewed!.expiresAt).toBeGreaterThanOrEqual(a!.expiresAt);
      expect((await s.leases.get('reconciler'))?.holder).toBe('agent-a');
      await s.leases.release(a!);
      expect(await s.leases.get('reconciler')).toBeUndefined();
      const b = await s.leases.acquire('reconciler', 'agent-b', 10_000);
      expect(b?.token).toBe(2);
      expect(await s.leases.renew(a!, 10_000)).toBeUndefined();
    });

    it('rejects writes under a lost lease (fencing)', async () => {
      const s = await open();
      const other = await peer(s);
      const a = await s.leases.acquire('reconciler', 'agent-a', 150);
      const fence = { lease: 'reconciler', token: a!.token };
      const ep = { apiVersion: 'v1' as const, kind: 'Endpoints' as const, metadata: { name: 'web', namespace: 'default' }, subsets: [] };
      await s.create(ep, { fence });
      await sleep(300);
      const b = await other.leases.acquire('reconciler', 'agent-b', 10_000);
      expect(b!.token).toBeGreaterThan(a!.token);
      const err = await s.apply({ ...ep, subsets: [{ addresses: [{ ip: '10.0.0.1' }] }] }, { fence }).catch((e: unknown) => e);
      expect(isStoreError(err, 'Fenced')).toBe(true);
      await expect(s.delete('Endpoints', 'default', 'web', { fence })).rejects.toSatisfy((e) => isStoreError(e, 'Fenced'));
      expect((await s.get('Endpoints', 'default', 'web'))?.subsets).toEqual([]);
      const ok = await other.apply({ ...ep, subsets: [{ addresses: [{ ip: '10.0.0.2' }] }] }, { fence: { lease: 'reconciler', token: b!.token } });
      expect(ok.action).toBe('updated');
    });

    it('allocates ClusterIPs and NodePorts, releases them on delete and on type change', async () => {
      const s = await open({ nodePortRange: '30000-30009' });
      const a = await s.create(service('a', { type: 'NodePort', ports: [{ name: 'a', port: 80, nodePort: 30005 }, { name: 'b', port: 81 }] }));
      expect(cidrContains('10.96.0.0/12', a.spec!.clusterIP!)).toBe(true);
      expect(a.spec?.clusterIPs).toEqual([a.spec?.clusterIP]);
      const ports = a.spec!.ports!.map((p) => p.nodePort!);
      expect(ports[0]).toBe(30005);
      expect(ports[1]).toBeGreaterThanOrEqual(30000);
      expect(ports[1]).toBeLessThanOrEqual(30009);
      const taken = await s.create(service('b', { type: 'NodePort', ports: [{ port: 80, nodePort: 30005 }] })).catch((e: unknown) => e);
      expect(taken).toBeInstanceOf(InvalidObjectError);
      expect(String((taken as Error).message)).toContain('spec.ports[0].nodePort: Invalid value: 30005: provided port is already allocated');
      const ipTaken = await s.create(service('c', { clusterIP: a.spec!.clusterIP!, ports: [{ port: 80 }] })).catch((e: unknown) => e);
      expect(String((ipTaken as Error).message)).toMatch(/spec\.clusterIPs\[0\]: Invalid value: "[0-9.]+": .*is already allocated/);
      expect((await s.list('Service')).items).toHaveLength(1);
      // An update that omits allocated values keeps them (patchAllocatedValues).
      const kept = await s.update(service('a', { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] }));
      expect(kept.spec?.clusterIP).toBe(a.spec?.clusterIP);
      expect(kept.spec?.ports?.map((p) => p.nodePort)).toEqual(ports);
      // NodePort -> ClusterIP releases the node ports.
      await s.update(service('a', { type: 'ClusterIP', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] }));
      const reuse = await s.create(service('d', { type: 'NodePort', ports: [{ port: 80, nodePort: 30005 }] }));
      expect(reuse.spec?.ports?.[0]?.nodePort).toBe(30005);
      await s.delete('Service', 'default', 'a');
      const sameIP = await s.create(service('e', { clusterIP: a.spec!.clusterIP!, ports: [{ port: 80 }] }));
      expect(sameIP.spec?.clusterIP).toBe(a.spec?.clusterIP);
      const headless = await s.create(service('h', { clusterIP: 'None', selector: { app: 'h' }, ports: [{ port: 80 }] }));
      expect(headless.spec?.clusterIP).toBe('None');
    });

    it('gives distinct IPs and ports to clients creating Services at once', async () => {
      const s = await open();
      const clients = [s, await peer(s), await peer(s), await peer(s)];
      const created = await Promise.all(
        Array.from({ length: 60 }, (_, i) => clients[i % clients.length]!.create(service(`svc-${i}`, { type: 'NodePort', ports: [{ port: 80 }] }))),
      );
      const ips = created.map((c) => c.spec!.clusterIP!);
      const ports = created.map((c) => c.spec!.ports![0]!.nodePort!);
      expect(new Set(ips).size).toBe(60);
      expect(new Set(ports).size).toBe(60);
    });

    it('loses no update when writers race on one object with retry on Conflict', async () => {
      const s = await open();
      const clients = [s, await peer(s), await peer(s)];
      await s.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'counter', namespace: 'default', annotations: { n: '0' } } });
      let conflicts = 0;
      const bump = async (c: TestStore) => {
        for (let attempt = 0; attempt < 200; attempt++) {
          const cur = (await c.get('Endpoints', 'default', 'counter'))!;
          const n = Number(cur.metadata!.annotations!['n']) + 1;
          try {
            await c.update({ ...cur, kind: 'Endpoints', metadata: { ...cur.metadata, annotations: { n: String(n) } } });
            return;
          } catch (e) {
            if (!isStoreError(e, 'Conflict')) throw e;
            conflicts++;
          }
        }
        throw new Error('too many conflicts');
      };
      await Promise.all(clients.flatMap((c) => Array.from({ length: 10 }, () => bump(c))));
      const final = await s.get('Endpoints', 'default', 'counter');
      expect(final?.metadata?.annotations?.['n']).toBe('30');
      expect(conflicts).toBeGreaterThan(0);
    });
  });
}
