import { describe, expect, it } from 'vitest';
import { ingress, path, rule } from '../../test/fixtures.js';
import { matchRequest } from './matcher.js';
import { compileRouteTable } from './routeTableBuilder.js';

type Kind = 'Prefix' | 'Exact' | 'Mixed';

/**
 * kubernetes.io concepts/services-networking/ingress, "Examples" table, row by row. Paths of a row
 * share one Ingress; a row "matches" when the request reaches the row's rule instead of the
 * Ingress's default backend. `winner` is the rule that must win where the table says which.
 */
const DOCS_TABLE: { kind: Kind; paths: string[]; requests: string[]; matches: boolean; winner?: string }[] = [
  { kind: 'Prefix', paths: ['/'], requests: ['/', '/foo', '/foo/bar', '/aaa/bbb/'], matches: true },
  { kind: 'Exact', paths: ['/foo'], requests: ['/foo'], matches: true },
  { kind: 'Exact', paths: ['/foo'], requests: ['/bar'], matches: false },
  { kind: 'Exact', paths: ['/foo'], requests: ['/foo/'], matches: false },
  { kind: 'Exact', paths: ['/foo/'], requests: ['/foo'], matches: false },
  { kind: 'Prefix', paths: ['/foo'], requests: ['/foo', '/foo/'], matches: true },
  { kind: 'Prefix', paths: ['/foo/'], requests: ['/foo', '/foo/'], matches: true },
  { kind: 'Prefix', paths: ['/aaa/bb'], requests: ['/aaa/bbb'], matches: false },
  { kind: 'Prefix', paths: ['/aaa/bbb'], requests: ['/aaa/bbb'], matches: true },
  { kind: 'Prefix', paths: ['/aaa/bbb/'], requests: ['/aaa/bbb'], matches: true }, // ignores trailing slash
  { kind: 'Prefix', paths: ['/aaa/bbb'], requests: ['/aaa/bbb/'], matches: true }, // matches trailing slash
  { kind: 'Prefix', paths: ['/aaa/bbb'], requests: ['/aaa/bbb/ccc'], matches: true }, // matches subpath
  { kind: 'Prefix', paths: ['/aaa/bbb'], requests: ['/aaa/bbbxyz'], matches: false }, // not a string prefix
  { kind: 'Prefix', paths: ['/', '/aaa'], requests: ['/aaa/ccc'], matches: true, winner: 'Prefix /aaa' },
  { kind: 'Prefix', paths: ['/', '/aaa', '/aaa/bbb'], requests: ['/aaa/bbb'], matches: true, winner: 'Prefix /aaa/bbb' },
  { kind: 'Prefix', paths: ['/', '/aaa', '/aaa/bbb'], requests: ['/ccc'], matches: true, winner: 'Prefix /' },
  { kind: 'Prefix', paths: ['/aaa'], requests: ['/ccc'], matches: false }, // uses default backend
  { kind: 'Mixed', paths: ['/foo'], requests: ['/foo'], matches: true, winner: 'Exact /foo' }, // prefers Exact
];

function svcName(type: string, p: string): string {
  return `${type} ${p}`;
}

describe('Kubernetes docs path-matching table', () => {
  for (const row of DOCS_TABLE) {
    for (const req of row.requests) {
      it(`${row.kind} ${row.paths.join(', ')} vs ${req}: ${row.matches ? 'match' : 'no match'}`, () => {
        const types = row.kind === 'Mixed' ? ['Prefix', 'Exact'] : [row.kind];
        const paths = types.flatMap((t) => row.paths.map((p) => path(p, t, svcName(t, p))));
        const ing = ingress('docs', { defaultBackend: { service: { name: 'default-backend', port: { number: 80 } } }, rules: [rule('example.com', ...paths)] });
        const m = matchRequest(compileRouteTable([ing]), 'example.com', req);
        expect(m.kind).toBe('route');
        const got = m.kind === 'route' ? m.route.backend?.service : undefined;
        if (!row.matches) expect(got).toBe('default-backend');
        else expect(got).not.toBe('default-backend');
        if (row.winner) expect(got).toBe(row.winner);
      });
    }
  }
});

interface Scenario {
  host: string;
  path: string;
  status: 200 | 404;
  service?: string;
}

function runFeature(name: string, table: ReturnType<typeof compileRouteTable>, scenarios: Scenario[]): void {
  describe(name, () => {
    it.each(scenarios)('$host$path -> $status $service', ({ host, path: p, status, service }) => {
      const m = matchRequest(table, host, p);
      if (status === 404) {
        expect(m.kind).toBe('none');
        return;
      }
      expect(m.kind === 'route' && m.route.backend?.service).toBe(service);
    });
  });
}

// kubernetes-sigs/ingress-controller-conformance features/path_rules.feature
runFeature(
  'conformance: path rules',
  compileRouteTable([
    ingress('path-rules', {
      rules: [
        rule('exact-path-rules', path('/foo', 'Exact', 'foo-exact')),
        rule('prefix-path-rules', path('/foo', 'Prefix', 'foo-prefix'), path('/aaa/bbb', 'Prefix', 'aaa-slash-bbb-prefix'), path('/aaa', 'Prefix', 'aaa-prefix')),
        rule('mixed-path-rules', path('/foo', 'Prefix', 'foo-prefix'), path('/foo', 'Exact', 'foo-exact')),
        rule('trailing-slash-path-rules', path('/aaa/bbb/', 'Prefix', 'aaa-slash-bbb-slash-prefix'), path('/foo/', 'Exact', 'foo-slash-exact')),
      ],
    }),
  ]),
  [
    { host: 'exact-path-rules', path: '/foo', status: 200, service: 'foo-exact' },
    { host: 'exact-path-rules', path: '/foo/', status: 404 },
    { host: 'exact-path-rules', path: '/FOO', status: 404 },
    { host: 'exact-path-rules', path: '/bar', status: 404 },
    { host: 'prefix-path-rules', path: '/foo', status: 200, service: 'foo-prefix' },
    { host: 'prefix-path-rules', path: '/foo/', status: 200, service: 'foo-prefix' },
    { host: 'prefix-path-rules', path: '/FOO', status: 404 },
    { host: 'prefix-path-rules', path: '/aaa/bbb', status: 200, service: 'aaa-slash-bbb-prefix' },
    { host: 'prefix-path-rules', path: '/aaa/bbb/ccc', status: 200, service: 'aaa-slash-bbb-prefix' },
    { host: 'prefix-path-rules', path: '/aaa/ccc', status: 200, service: 'aaa-prefix' },
    { host: 'prefix-path-rules', path: '/aaaccc', status: 404 },
    { host: 'mixed-path-rules', path: '/foo', status: 200, service: 'foo-exact' },
    { host: 'trailing-slash-path-rules', path: '/aaa/bbb', status: 200, service: 'aaa-slash-bbb-slash-prefix' },
    { host: 'trailing-slash-path-rules', path: '/aaa/bbb/', status: 200, service: 'aaa-slash-bbb-slash-prefix' },
    { host: 'trailing-slash-path-rules', path: '/foo', status: 404 },
  ],
);

// features/host_rules.feature (plus Host header port and case, which the feature's clients vary)
runFeature(
  'conformance: host rules',
  compileRouteTable([
    ingress('host-rules', {
      tls: [{ hosts: ['foo.bar.com'], secretName: 'conformance-tls' }],
      rules: [rule('*.foo.com', path('/', 'Prefix', 'wildcard-foo-com')), rule('foo.bar.com', path('/', 'Prefix', 'foo-bar-com', 'http'))],
    }),
  ]),
  [
    { host: 'foo.bar.com', path: '/', status: 200, service: 'foo-bar-com' },
    { host: 'FOO.bar.com:8080', path: '/', status: 200, service: 'foo-bar-com' },
    { host: 'subdomain.bar.com', path: '/', status: 404 },
    { host: 'bar.foo.com', path: '/', status: 200, service: 'wildcard-foo-com' },
    { host: 'baz.bar.foo.com', path: '/', status: 404 },
    { host: 'foo.com', path: '/', status: 404 },
  ],
);

// features/default_backend.feature: an Ingress with no rules takes every host and path.
runFeature(
  'conformance: default backend',
  compileRouteTable([ingress('default-backend', { defaultBackend: { service: { name: 'echo-service', port: { number: 8080 } } } })]),
  [
    { host: 'my-host', path: '/', status: 200, service: 'echo-service' },
    { host: 'my-host', path: '/sub-path', status: 200, service: 'echo-service' },
    { host: 'some-host', path: '/', status: 200, service: 'echo-service' },
    { host: '', path: '/resource', status: 200, service: 'echo-service' },
  ],
);

describe('hosts', () => {
  it('an exact host beats a wildcard that also covers it', () => {
    const t = compileRouteTable([
      ingress('w', { rules: [rule('*.foo.com', path('/', 'Prefix', 'wild'))] }),
      ingress('e', { rules: [rule('bar.foo.com', path('/', 'Prefix', 'exact'))] }),
    ]);
    const svc = (h: string) => {
      const m = matchRequest(t, h, '/');
      return m.kind === 'route' ? m.route.backend?.service : undefined;
    };
    expect(svc('bar.foo.com')).toBe('exact');
    expect(svc('baz.foo.com')).toBe('wild');
  });

  it('a matched host does not fall through to rules without host', () => {
    const t = compileRouteTable([ingress('a', { rules: [rule('a.com', path('/a', 'Prefix', 'a')), rule(undefined, path('/', 'Prefix', 'any'))] })]);
    expect(matchRequest(t, 'a.com', '/b').kind).toBe('none');
    const other = matchRequest(t, 'b.com', '/b');
    expect(other.kind === 'route' && other.route.backend?.service).toBe('any');
  });

  it('query strings take no part in matching (the server strips them first)', () => {
    const t = compileRouteTable([ingress('a', { rules: [rule('a.com', path('/foo', 'Exact', 'foo'))] })]);
    expect(matchRequest(t, 'a.com', '/foo').kind).toBe('route');
  });
});
