import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '@svcnet/model';
import { ingress, path, rule, service, slice } from '../../test/fixtures.js';
import { IngressView } from './ingressView.js';
import { IngressServer } from '../server/ingressServer.js';

const ref = { namespace: 'default', service: 'web', port: 8080 } as const;
const bad = (extra: Record<string, unknown>, name = 'web-bad') =>
  ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } }, ...extra }) as unknown as KubeObject;

function viewWithLog() {
  const lines: string[] = [];
  const view = new IngressView({ logger: { warn: (_o, m) => lines.push(m), error: (_o, m) => lines.push(m) } });
  return { view, lines };
}

describe('IngressView skips objects written around validation', () => {
  it.each([
    ['ports is a number', { endpoints: 'x', ports: 5 }, 'ports: Invalid value: 5: must be a list'],
    ['endpoints is a string', { endpoints: 'x', ports: [] }, 'endpoints: Invalid value: "x": must be a list'],
    ['a port entry is null', { ports: [null] }, 'ports[0]: Required value'],
    ['addresses is a string', { ports: [{ name: 'http', port: 80 }], endpoints: [{ addresses: '10.0.0.1' }] }, 'endpoints[0].addresses: Invalid value: "10.0.0.1": must be a list'],
    ['conditions is a string', { ports: [], endpoints: [{ addresses: [], conditions: 'ready' }] }, 'endpoints[0].conditions: Invalid value: "ready": must be an object'],
  ])('EndpointSlice with %s: logged and skipped, resolve does not throw', (_name, extra, problem) => {
    const { view, lines } = viewWithLog();
    view.load([service('web', [{ port: 8080, name: 'http' }]), slice('web', 'http', 9376, [['10.0.0.1', true]], 'web-good'), bad(extra)]);
    const r = view.resolve(ref);
    expect(r.kind === 'ok' && r.upstreams.map((u) => u.key)).toEqual(['10.0.0.1:9376']);
    expect(lines.join('\n')).toContain('EndpointSlice "default/web-bad": ');
    expect(lines.join('\n')).toContain(problem);
    expect(view.skipped.has('EndpointSlice default/web-bad')).toBe(true);
  });

  it('a valid slice replaced by a malformed one is dropped, and a later valid write is used again', () => {
    const { view } = viewWithLog();
    view.load([service('web', [{ port: 8080, name: 'http' }]), slice('web', 'http', 9376, [['10.0.0.1', true]], 'web-bad')]);
    expect(view.resolve(ref).kind).toBe('ok');
    view.upsert(bad({ ports: 5 }));
    expect(view.resolve(ref).kind).toBe('missing');
    view.upsert(slice('web', 'http', 9377, [['10.0.0.2', true]], 'web-bad'));
    const r = view.resolve(ref);
    expect(r.kind === 'ok' && r.upstreams.map((u) => u.key)).toEqual(['10.0.0.2:9377']);
    expect(view.skipped.size).toBe(0);
  });

  it.each([
    ['Service with spec.ports 5', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: 5 } }, 'spec.ports: Invalid value: 5: must be a list'],
    ['Ingress with spec.rules 5', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'bad', namespace: 'default' }, spec: { rules: 5 } }, 'spec.rules: Invalid value: 5: must be a list'],
    ['Ingress with paths "x"', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'bad', namespace: 'default' }, spec: { rules: [{ host: 'a.test', http: { paths: 'x' } }] } }, 'spec.rules[0].http.paths: Invalid value: "x": must be a list'],
    ['Ingress with tls hosts 3', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'bad', namespace: 'default' }, spec: { tls: [{ hosts: 3 }] } }, 'spec.tls[0].hosts: Invalid value: 3: must be a list'],
    ['Endpoints with subsets "x"', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' }, subsets: 'x' }, 'subsets: Invalid value: "x": must be a list'],
    ['Endpoints with a numeric ip', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: 7 }] }] }, 'subsets[0].addresses[0].ip: Invalid value: 7: must be a string'],
  ])('%s: logged and skipped', (_name, obj, problem) => {
    const { view, lines } = viewWithLog();
    view.load([service('web', [{ port: 8080, name: 'http' }]), obj as unknown as KubeObject]);
    expect(() => view.resolve(ref)).not.toThrow();
    expect(lines.join('\n')).toContain(problem);
    expect(view.skipped.size).toBe(1);
  });

  it('a valid Ingress replaced by a malformed one loses its routes; the others stay', () => {
    const { view } = viewWithLog();
    view.load([ingress('good', { rules: [rule('good.test', path('/', 'Prefix', 'web'))] }), ingress('bad', { rules: [rule('bad.test', path('/', 'Prefix', 'web'))] })]);
    expect([...view.table.exactHosts.keys()].sort()).toEqual(['bad.test', 'good.test']);
    view.upsert({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'bad', namespace: 'default' }, spec: { rules: [{ host: 'bad.test', http: { paths: 5 } }] } } as unknown as KubeObject);
    expect([...view.table.exactHosts.keys()]).toEqual(['good.test']);
  });
});

describe('IngressServer with a malformed EndpointSlice (reliability report)', () => {
  let server: IngressServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('requests get 503 not 500, and the pool sweep after an update does not throw', async () => {
    const { view } = viewWithLog();
    view.load([service('web', [{ port: 8080, name: 'http' }]), bad({ endpoints: 'x', ports: 5 }), ingress('web', { rules: [rule('web.test', path('/', 'Prefix', 'web'))] })]);
    const sweepErrors: string[] = [];
    server = new IngressServer({ view, listen: { host: '127.0.0.1', port: 0 }, logger: { warn: (_o, m) => sweepErrors.push(m) } });
    const port = (await server.start()).http!.port;
    const res = await request(`http://127.0.0.1:${port}/`, { headers: { host: 'web.test' } });
    expect(res.statusCode).toBe(503);
    await res.body.text();
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      view.upsert(bad({ endpoints: 'x', ports: 5 }));
      await new Promise((r) => setTimeout(r, 1300)); // the sweep is debounced by 1 s
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
    expect(sweepErrors.filter((m) => m.includes('sweep'))).toEqual([]);
  });
});
