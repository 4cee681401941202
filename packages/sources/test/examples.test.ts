import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Requirement, describeWith } from '@svcnet/testkit';
import { afterEach, expect, it } from 'vitest';
import { ManualClock, MemoryStore } from '@svcnet/store';
import { ManifestSource, WorkloadSimulator, seededRandom } from '../src/index.js';

// The seeds' examples (repo examples/), and those a current API server refuses (kept with @svcnet/model's tests).
const EXAMPLES = resolve(import.meta.dirname, '../../../examples');
const BROKEN = resolve(import.meta.dirname, '../../model/test/fixtures/seed-broken');

const examplesFolder: Requirement = {
  name: 'examples/',
  check: () => (existsSync(BROKEN) ? undefined : `${EXAMPLES} and ${BROKEN} (the seed examples, owned by @svcnet/model) are not in this checkout`),
};

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

describeWith('the seed examples through the manifest source and the simulator', [examplesFolder], () => {
  it('applies every accepted example, reports every broken one, and brings the workloads up', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock(Date.UTC(2024, 0, 1));
    const sim = new WorkloadSimulator(store, { clock, random: seededRandom(7), readyDelayMs: 1000 });
    // The refused ones repeat some accepted objects in their old form, so they are loaded on their own below.
    const accepted = readdirSync(EXAMPLES).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(EXAMPLES, f));
    const source = new ManifestSource(store, { paths: accepted, simulator: sim, watch: false });
    stops.push(() => source.stop(), () => sim.stop(), () => store.close());
    await sim.start();
    const result = await source.start();

    expect(result.problems).toEqual([]);
    expect(result.created).toBeGreaterThan(20);

    const brokenStore = new MemoryStore();
    stops.push(() => brokenStore.close());
    const brokenResult = await new ManifestSource(brokenStore, { paths: BROKEN, watch: false }).start();
    const problemFiles = new Set(brokenResult.problems.map((p) => p.file));
    for (const f of readdirSync(BROKEN)) expect(problemFiles.has(join(BROKEN, f)), `${f} should be reported`).toBe(true);

    // StatefulSet pods come up one by one (OrderedReady) with the names DNS relies on.
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      await sim.settle();
    }
    const web0 = await store.get('Pod', 'default', 'nginx-web-0');
    const web1 = await store.get('Pod', 'default', 'nginx-web-1');
    expect(web0?.spec).toMatchObject({ hostname: 'nginx-web-0', subdomain: 'nginx-test' });
    expect(web1?.spec).toMatchObject({ hostname: 'nginx-web-1', subdomain: 'nginx-test' });
    const pods = (await store.list('Pod')).items;
    // Workload pods and the seeds' bare Pods alike are scheduled, addressed and Ready.
    expect(pods.length).toBe(sim.status().pods);
    expect(pods.every((p) => p.status?.podIP && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))).toBe(true);
    const bare = await store.get('Pod', 'nodeport-pod', 'nginx-nodeport-pod');
    expect(bare?.metadata?.ownerReferences).toBeUndefined();
    expect(bare?.spec?.nodeName).toMatch(/^node-/);
    // Every Service selector that names a simulated workload's labels finds pods.
    const svc = await store.get('Service', 'default', 'nginx-test');
    const selected = pods.filter((p) => Object.entries(svc!.spec!.selector!).every(([k, v]) => p.metadata?.labels?.[k] === v));
    expect(selected.map((p) => p.metadata!.name).sort()).toEqual(['nginx-web-0', 'nginx-web-1']);
  });
});
