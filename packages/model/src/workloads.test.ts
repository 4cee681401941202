import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { describe, expect, it } from 'vitest';
import { isWorkload, podFromTemplate, validateWorkload } from './workloads.js';

const deployment = (over: Partial<NonNullable<Deployment['spec']>> = {}): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] } },
    ...over,
  },
});

describe('validateWorkload', () => {
  it('accepts a well-formed Deployment and builds its Pod', () => {
    expect(validateWorkload(deployment())).toEqual([]);
    expect(isWorkload(deployment())).toBe(true);
    const pod = podFromTemplate(deployment(), 'web-0');
    expect(pod.metadata).toEqual({ labels: { app: 'web', tier: 'fe' }, name: 'web-0', namespace: 'shop' });
  });

  it('rejects selectors that are missing, empty or do not match the template', () => {
    expect(validateWorkload(deployment({ selector: undefined as never })).map(String)).toEqual(['spec.selector: Required value']);
    expect(validateWorkload(deployment({ selector: {} })).map(String)).toEqual(['spec.selector: Invalid value: {}: empty selector is invalid for deployment']);
    expect(validateWorkload(deployment({ selector: { matchLabels: { app: 'db' } } })).map(String)).toEqual([
      'spec.template.metadata.labels: Invalid value: {"app":"web","tier":"fe"}: `selector` does not match template `labels`',
    ]);
  });

  it('reports template errors under spec.template', () => {
    const errs = validateWorkload(deployment({ replicas: -1, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'Bad_Name', ports: [{ containerPort: 70000 }] }] } } }));
    expect(errs.map((e) => e.field)).toEqual(expect.arrayContaining(['spec.replicas', 'spec.template.spec.containers[0].name', 'spec.template.spec.containers[0].ports[0].containerPort']));
  });
});
