import fc from 'fast-check';
import type { Ingress, IngressClass } from '@svcnet/model';
import { describe, expect, it } from 'vitest';
import { ingress, path, rule } from '../../test/fixtures.js';
import { ingressKey } from './compileHost.js';
import { matchRequest } from './matcher.js';
import { RouteTableBuilder, compileRouteTable } from './routeTableBuilder.js';
import { routeRows } from './routeTableText.js';

function svc(t: ReturnType<typeof compileRouteTable>, host: string, p: string): string | undefined {
  const m = matchRequest(t, host, p);
  return m.kind === 'route' ? m.route.backend?.service : undefined;
}

function ingressClass(name: string, controller: string, isDefault = false): IngressClass {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name, ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
    spec: { controller },
  };
}

describe('IngressClass selection', () => {
  const named = (name: string, cls?: string, annotation?: string) =>
    ingress(name, { ...(cls ? { ingressClassName: cls } : {}), rules: [rule(`${name}.com`, path('/', 'Prefix', name))] }, annotation ? { annotations: { 'kubernetes.io/ingress.class': annotation } } : {});
  const all = [named('ours', 'svcnet'), named('theirs', 'nginx'), named('legacy', undefined, 'svcnet'), named('legacyother', undefined, 'nginx'), named('none'), named('invalid', 'some-invalid-class-name')];

  it.each([
    ['no IngressClass objects: our default name and unclassed', [], {}, ['ours', 'legacy', 'none']],
    ['unclassed not watched', [], { watchWithoutClass: false }, ['ours', 'legacy']],
    ['unclassed claimed by our default IngressClass', [ingressClass('svcnet', 'svcnet.io/ingress', true)], { watchWithoutClass: false }, ['ours', 'legacy', 'none']],
    ['a class named by its controller', [ingressClass('nginx', 'svcnet.io/ingress')], { watchWithoutClass: false }, ['ours', 'theirs', 'legacy']],
    ['our name taken by another controller', [ingressClass('svcnet', 'k8s.io/ingress-nginx')], { watchWithoutClass: false }, ['legacy']],
    ['configured class name', [], { ingressClass: 'nginx', watchWithoutClass: false }, ['theirs', 'legacyother']],
  ] as const)('%s', (_name, classes, options, expected) => {
    const t = compileRouteTable(all, classes, options);
    const served = all.map((i) => i.metadata!.name!).filter((n) => svc(t, `${n}.com`, '/') === n);
    expect(served.sort()).toEqual([...expected].sort());
  });

  it('re-decides when an IngressClass appears and goes', () => {
    const b = new RouteTableBuilder({ watchWithoutClass: false });
    b.upsert(named('theirs', 'nginx'));
    expect(svc(b.table, 'theirs.com', '/')).toBeUndefined();
    b.upsertIngressClass(ingressClass('nginx', 'svcnet.io/ingress'));
    expect(svc(b.table, 'theirs.com', '/')).toBe('theirs');
    b.deleteIngressClass('nginx');
    expect(svc(b.table, 'theirs.com', '/')).toBeUndefined();
  });
});

describe('conflicts between Ingresses (ingress-nginx: older creationTimestamp wins)', () => {
  it('the older Ingress keeps a contested path; the others are merged in', () => {
    const young = ingress('young', { rules: [rule('a.com', path('/x', 'Prefix', 'young-x'), path('/y', 'Prefix', 'young-y'))] }, { created: '2024-05-01T00:00:00Z' });
    const old = ingress('old', { rules: [rule('a.com', path('/x/', 'Prefix', 'old-x'))] }, { created: '2024-01-01T00:00:00Z' });
    for (const order of [[young, old], [old, young]]) {
      const t = compileRouteTable(order);
      expect(svc(t, 'a.com', '/x/1')).toBe('old-x');
      expect(svc(t, 'a.com', '/y')).toBe('young-y');
      expect(t.conflicts.get('a.com')).toEqual([{ host: 'a.com', path: '/x', match: 'Prefix', winner: 'default/old', loser: 'default/young' }]);
    }
  });

  it('equal timestamps: the greater namespace/name wins, as sortIngressSlice', () => {
    const ts = '2024-01-01T00:00:00Z';
    const t = compileRouteTable([
      ingress('a', { rules: [rule('h.com', path('/', 'Prefix', 'a'))] }, { created: ts }),
      ingress('b', { rules: [rule('h.com', path('/', 'Prefix', 'b'))] }, { created: ts }),
    ]);
    expect(svc(t, 'h.com', '/')).toBe('b');
  });

  it('Exact and Prefix of one path coexist', () => {
    const t = compileRouteTable([
      ingress('p', { rules: [rule('h.com', path('/foo', 'Prefix', 'p'))] }),
      ingress('e', { rules: [rule('h.com', path('/foo', 'Exact', 'e'))] }),
    ]);
    expect(svc(t, 'h.com', '/foo')).toBe('e');
    expect(svc(t, 'h.com', '/foo/bar')).toBe('p');
    expect(t.conflicts.size).toBe(0);
  });
});

describe('default backends (ingress-nginx createServers)', () => {
  it('an Ingress with rules and a defaultBackend serves that backend for unmatched paths of its hosts', () => {
    const t = compileRouteTable([
      ingress('a', { defaultBackend: { service: { name: 'a-default', port: { number: 80 } } }, rules: [rule('a.com', path('/app', 'Prefix', 'app'))] }),
    ]);
    expect(svc(t, 'a.com', '/app/x')).toBe('app');
    expect(svc(t, 'a.com', '/other')).toBe('a-default');
    expect(svc(t, 'b.com', '/other')).toBeUndefined();
  });

  it('the oldest Ingress without rules configures the catch-all', () => {
    const t = compileRouteTable([
      ingress('first', { defaultBackend: { service: { name: 'first', port: { number: 80 } } } }, { created: '2024-01-01T00:00:00Z' }),
      ingress('second', { defaultBackend: { service: { name: 'second', port: { number: 80 } } } }, { created: '2024-02-01T00:00:00Z' }),
    ]);
    expect(svc(t, 'anything', '/')).toBe('first');
  });

  it('reads the pre-v1 backend shape (serviceName/servicePort) as the seed manifests use', () => {
    const legacy = {
      apiVersion: 'extensions/v1beta1',
      kind: 'Ingress',
      metadata: { name: 'cafe-ingress', namespace: 'default' },
      spec: {
        tls: [{ hosts: ['cafe.example.com'], secretName: 'cafe-secret' }],
        rules: [{ host: 'cafe.example.com', http: { paths: [
          { path: '/tea', backend: { serviceName: 'tea-svc', servicePort: 80 } },
          { path: '/coffee', backend: { serviceName: 'coffee-svc', servicePort: 80 } },
        ] } }],
      },
    } as unknown as Ingress;
    const t = compileRouteTable([legacy]);
    expect(matchRequest(t, 'cafe.example.com', '/tea/green')).toMatchObject({ kind: 'route', route: { backend: { service: 'tea-svc', port: 80 } } });
    expect(svc(t, 'cafe.example.com', '/coffee')).toBe('coffee-svc');
    expect(t.tlsExact.get('cafe.example.com')?.secret).toBe('default/cafe-secret');
  });
});

describe('incremental updates', () => {
  it('a change to one Ingress recompiles only the hosts it touches', () => {
    const b = new RouteTableBuilder();
    for (let i = 0; i < 50; i++) b.upsert(ingress(`i${i}`, { rules: [rule(`h${i}.com`, path('/', 'Prefix', `s${i}`))] }));
    const before = b.compiledHosts;
    b.upsert(ingress('i7', { rules: [rule('h7.com', path('/', 'Prefix', 's7b')), rule('new.com', path('/', 'Prefix', 'n'))] }));
    expect(b.compiledHosts - before).toBe(2);
    expect(svc(b.table, 'h7.com', '/')).toBe('s7b');
    b.delete('default/i7');
    expect(svc(b.table, 'h7.com', '/')).toBeUndefined();
    expect(b.compiledHosts - before).toBe(4);
  });

  // Property: any sequence of upserts and deletes leaves the same table as compiling the survivors.
  const hostArb = fc.constantFrom('a.com', 'b.com', '*.a.com', '', 'x.a.com');
  const pathArb = fc.constantFrom('/', '/a', '/a/', '/a/b', '/b', '/a/bc');
  const ingArb = fc.record({
    name: fc.constantFrom('i1', 'i2', 'i3', 'i4'),
    created: fc.integer({ min: 0, max: 3 }),
    rules: fc.array(fc.record({ host: hostArb, paths: fc.array(fc.tuple(pathArb, fc.constantFrom('Exact', 'Prefix', 'ImplementationSpecific'), fc.constantFrom('s1', 's2', 's3')), { maxLength: 3 }) }), { maxLength: 3 }),
    def: fc.option(fc.constantFrom('d1', 'd2'), { nil: undefined }),
    tls: fc.array(hostArb, { maxLength: 2 }),
    cls: fc.constantFrom(undefined, 'svcnet', 'other'),
  });
  type Gen = typeof ingArb extends fc.Arbitrary<infer T> ? T : never;
  const toIngress = (x: Gen): Ingress =>
    ingress(x.name, {
      ...(x.cls ? { ingressClassName: x.cls } : {}),
      ...(x.def ? { defaultBackend: { service: { name: x.def, port: { number: 80 } } } } : {}),
      ...(x.tls.length ? { tls: [{ hosts: x.tls.filter((h) => h !== ''), secretName: `${x.name}-tls` }] } : {}),
      rules: x.rules.map((r) => rule(r.host || undefined, ...r.paths.map(([p, t, s]) => path(p, t, s)))),
    }, { created: new Date(Date.UTC(2024, 0, 1 + x.created)).toISOString() });

  it('incremental == full compile (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(ingArb.map((x) => ({ op: 'put' as const, ing: toIngress(x) })), fc.constantFrom('i1', 'i2', 'i3', 'i4').map((n) => ({ op: 'del' as const, name: n }))), { maxLength: 20 }), (ops) => {
        const b = new RouteTableBuilder();
        const live = new Map<string, Ingress>();
        for (const op of ops) {
          if (op.op === 'put') {
            b.upsert(op.ing);
            live.set(ingressKey(op.ing), op.ing);
          } else {
            b.delete(`default/${op.name}`);
            live.delete(`default/${op.name}`);
          }
        }
        const full = compileRouteTable([...live.values()]);
        expect(routeRows(b.table)).toEqual(routeRows(full));
        expect(new Map(b.table.conflicts)).toEqual(new Map(full.conflicts));
      }),
      { numRuns: 300 },
    );
  });
});
