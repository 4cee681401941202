import type { ManifestObject } from '@svcnet/model';
import { describe, expect, it } from 'vitest';
import { type AppliedObject, desiredObjects, planManifestSync } from './manifestPlan.js';

const m = (source: string, kind: string, name: string, extra: Record<string, unknown> = {}, index = 1): ManifestObject => ({
  object: { apiVersion: 'v1', kind, metadata: { name }, ...extra },
  source,
  index,
  line: 1,
});

const applied = (file: string, key: string, content: string): AppliedObject => {
  const [kind, ...rest] = key.split('/');
  return { key, kind: kind!, namespace: rest.length > 1 ? rest[0] : undefined, name: rest.at(-1)!, file, content };
};

describe('planManifestSync', () => {
  const { desired } = desiredObjects([m('a.yaml', 'Service', 'web', { spec: { ports: [{ port: 80 }] } }), m('a.yaml', 'Node', 'n1')]);
  const web = desired.get('Service/default/web')!;
  const node = desired.get('Node/n1')!;

  it.each([
    { name: 'everything new is applied', before: [], errors: [], apply: ['Service/default/web', 'Node/n1'], remove: [], kept: [] },
    { name: 'unchanged content is not rewritten', before: [applied('a.yaml', web.key, web.content), applied('a.yaml', node.key, node.content)], errors: [], apply: [], remove: [], kept: [] },
    { name: 'changed content is applied', before: [applied('a.yaml', web.key, 'old'), applied('a.yaml', node.key, node.content)], errors: [], apply: ['Service/default/web'], remove: [], kept: [] },
    { name: 'an object no file wants is removed', before: [applied('b.yaml', 'Service/default/gone', 'x')], errors: [], apply: ['Service/default/web', 'Node/n1'], remove: ['Service/default/gone'], kept: [] },
    { name: 'but kept while its file has errors', before: [applied('b.yaml', 'Service/default/gone', 'x')], errors: ['b.yaml'], apply: ['Service/default/web', 'Node/n1'], remove: [], kept: ['Service/default/gone'] },
    { name: 'moving to another file re-applies (new owner mark)', before: [applied('old.yaml', web.key, web.content), applied('a.yaml', node.key, node.content)], errors: [], apply: ['Service/default/web'], remove: [], kept: [] },
  ])('$name', ({ before, errors, apply, remove, kept }) => {
    const plan = planManifestSync(desired, new Map(before.map((a) => [a.key, a])), new Set(errors));
    expect(plan.apply.map((d) => d.key)).toEqual(apply);
    expect(plan.remove.map((a) => a.key)).toEqual(remove);
    expect(plan.kept.map((a) => a.key)).toEqual(kept);
  });

  it('retries an object whose last write failed', () => {
    const before = new Map([[web.key, applied('a.yaml', web.key, web.content)], [node.key, applied('a.yaml', node.key, node.content)]]);
    expect(planManifestSync(desired, before, new Set(), new Set([web.key])).apply.map((d) => d.key)).toEqual([web.key]);
  });

  it('keeps the first definition of a duplicated key and reports the second', () => {
    const r = desiredObjects([m('a.yaml', 'Service', 'web'), m('b.yaml', 'Service', 'web', {}, 3)]);
    expect(r.desired.get('Service/default/web')!.file).toBe('a.yaml');
    expect(r.duplicates).toMatchObject([{ file: 'b.yaml', document: 3, code: 'Duplicate' }]);
  });
});
