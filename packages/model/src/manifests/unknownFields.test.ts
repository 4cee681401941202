import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unknownFields } from './unknownFields.js';

describe('unknownFields', () => {
  it.each([
    ['a misspelt port field', { kind: 'Service', spec: { ports: [{ port: 80, protocl: 'TCP' }] } }, ['spec.ports[0].protocl']],
    ['a field at the top and in metadata', { kind: 'Service', metadata: { name: 'a', namespce: 'b' }, specs: {} }, ['metadata.namespce', 'specs']],
    ['nothing in labels, annotations or selectors', { kind: 'Service', metadata: { labels: { anything: 'x' }, annotations: { 'a/b': 'c' } }, spec: { selector: { any: 'thing' } } }, []],
    ['a field inside a Deployment\'s Pod template', { kind: 'Deployment', spec: { template: { spec: { containers: [{ name: 'a', imagePullPolicy: 'Always', imagee: 'x' }] } } } }, ['spec.template.spec.containers[0].imagee']],
    ['status fields a dump carries', { kind: 'Pod', status: { podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }], qosClass: 'BestEffort' } }, []],
    ['an EndpointSlice endpoint field', { kind: 'EndpointSlice', endpoints: [{ addresses: ['10.0.0.1'], condition: {} }] }, ['endpoints[0].condition']],
    ['kinds svcnet does not read', { kind: 'ConfigMap', data: {}, whatever: 1 }, []],
  ])('%s', (_, obj, want) => {
    expect(unknownFields(obj)).toEqual(want);
  });

  it('reports at most 20 fields of one object', () => {
    const spec = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, i]));
    expect(unknownFields({ kind: 'Service', spec })).toHaveLength(20);
  });

  it('is generated from the installed kubernetes-types (run scripts/generate-known-fields.mjs after upgrading it)', () => {
    const script = new URL('../../scripts/generate-known-fields.mjs', import.meta.url);
    const printed = execFileSync(process.execPath, [script.pathname, '--print'], { encoding: 'utf8' });
    expect(readFileSync(new URL('./knownFields.generated.ts', import.meta.url), 'utf8')).toBe(printed);
  });
});
