import { describe, expect, it } from 'vitest';
import { IngressView } from '../src/index.js';
import { IngressViewReplica, RouterPublisher } from '../src/view/ingressViewReplica.js';
import { ingress, path, rule, service, slice } from './fixtures.js';

// Decision 021: a new router worker gets the view in updates of at most `chunk` backend resolutions,
// the table (and certificates) in the last one, so that each message's clone is small and a replica
// never holds a table whose backends it has not been told.

function viewWith(n: number): IngressView {
  const view = new IngressView();
  for (let i = 0; i < n; i++) {
    view.upsert(ingress(`ing-${i}`, { rules: [rule(`h${i}.example.com`, path('/', 'Prefix', `svc-${i}`))] }));
    view.upsert(service(`svc-${i}`, [{ port: 8080, name: 'http' }]));
    view.upsert(slice(`svc-${i}`, 'http', 8080, [[`10.1.0.${i + 1}`, true]], `svc-${i}-1`));
  }
  return view;
}

describe('RouterPublisher.snapshotUpdates', () => {
  it.each([
    { backends: 7, chunk: 3, updates: 3 },
    { backends: 6, chunk: 3, updates: 2 },
    { backends: 2, chunk: 500, updates: 1 },
    { backends: 0, chunk: 3, updates: 1 },
  ])('$backends backends in chunks of $chunk: $updates updates, the table last', ({ backends, chunk, updates }) => {
    const view = viewWith(backends);
    const publisher = new RouterPublisher(view, () => undefined);
    const out = publisher.snapshotUpdates(chunk);
    publisher.stop();
    expect(out).toHaveLength(updates);
    expect(out.map((u) => u.table !== undefined)).toEqual(out.map((_, i) => i === out.length - 1));
    for (const u of out) expect(u.resolutions.length).toBeLessThanOrEqual(chunk);
    expect(out.flatMap((u) => u.resolutions)).toHaveLength(backends);
    // A replica fed the updates in order resolves every backend as the view does.
    const replica = new IngressViewReplica();
    for (const u of out) replica.apply(structuredClone(u));
    for (let i = 0; i < backends; i++) {
      const ref = { namespace: 'default', service: `svc-${i}`, port: 8080 };
      expect(JSON.stringify(view.resolve(ref))).toContain(`10.1.0.${i + 1}`);
      expect(replica.resolve(ref)).toEqual(view.resolve(ref));
    }
    expect(replica.routes.version).toBe(1);
  });
});
