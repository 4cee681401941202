import { describe, expect, it } from 'vitest';
import type { HTTPIngressPath, Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import { validateIngress, validateIngressClass } from './ingress.js';

// Transcribed from upstream pkg/apis/networking/validation/validation_test.go: TestValidateIngress,
// TestValidateIngressRules (hosts), TestValidateIngressCreate (pathType/path), TestValidateIngressTLS
// and TestValidateIngressClass.
const backend = { service: { name: 'defaultbackend', port: { number: 80 } } };
function baseIngress(): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'foo', namespace: 'default' },
    spec: {
      defaultBackend: structuredClone(backend),
      rules: [{ host: 'foo.bar.com', http: { paths: [{ path: '/foo', pathType: 'ImplementationSpecific', backend: structuredClone(backend) }] } }],
    },
  };
}
const withPath = (p: Partial<HTTPIngressPath>): Ingress => {
  const ing = baseIngress();
  ing.spec!.rules![0]!.http!.paths = [{ backend: structuredClone(backend), ...p } as HTTPIngressPath];
  return ing;
};

describe('validateIngress: pathType and path', () => {
  const cases: Array<[string, Partial<HTTPIngressPath>, string[]]> = [
    ['path: nil, pathType: nil', { path: undefined }, ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified']],
    ['Exact /foo', { pathType: 'Exact', path: '/foo' }, []],
    ['Prefix /', { pathType: 'Prefix', path: '/' }, []],
    ['ImplementationSpecific empty', { pathType: 'ImplementationSpecific', path: '' }, []],
    ['ImplementationSpecific regex-like', { pathType: 'ImplementationSpecific', path: '/foo/.*' }, []],
    ['Exact not absolute', { pathType: 'Exact', path: 'foo' }, ['spec.rules[0].http.paths[0].path: Invalid value: "foo": must be an absolute path']],
    ['Prefix empty', { pathType: 'Prefix', path: '' }, ['spec.rules[0].http.paths[0].path: Invalid value: "": must be an absolute path']],
    ['ImplementationSpecific not absolute', { pathType: 'ImplementationSpecific', path: 'foo' }, ['spec.rules[0].http.paths[0].path: Invalid value: "foo": must be an absolute path']],
    ['Exact //', { pathType: 'Exact', path: '/foo//bar' }, ["spec.rules[0].http.paths[0].path: Invalid value: \"/foo//bar\": must not contain '//'"]],
    ['Prefix /./', { pathType: 'Prefix', path: '/foo/./bar' }, ["spec.rules[0].http.paths[0].path: Invalid value: \"/foo/./bar\": must not contain '/./'"]],
    ['Prefix /../', { pathType: 'Prefix', path: '/foo/../bar' }, ["spec.rules[0].http.paths[0].path: Invalid value: \"/foo/../bar\": must not contain '/../'"]],
    ['Exact %2f', { pathType: 'Exact', path: '/foo%2fbar' }, ["spec.rules[0].http.paths[0].path: Invalid value: \"/foo%2fbar\": must not contain '%2f'"]],
    ['Exact %2F', { pathType: 'Exact', path: '/foo%2Fbar' }, ["spec.rules[0].http.paths[0].path: Invalid value: \"/foo%2Fbar\": must not contain '%2F'"]],
    ['Prefix ends with /..', { pathType: 'Prefix', path: '/foo/..' }, ["spec.rules[0].http.paths[0].path: Invalid value: \"/foo/..\": cannot end with '/..'"]],
    ['Prefix ends with /.', { pathType: 'Prefix', path: '/foo/.' }, ["spec.rules[0].http.paths[0].path: Invalid value: \"/foo/.\": cannot end with '/.'"]],
    ['ImplementationSpecific may contain //', { pathType: 'ImplementationSpecific', path: '/foo//bar' }, []],
    ['unknown pathType', { pathType: 'Regex', path: '/foo' }, ['spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"']],
  ];
  it.each(cases)('%s', (_n, p, expected) => {
    const ing = withPath(p);
    if (!('pathType' in p)) delete (ing.spec!.rules![0]!.http!.paths[0] as Partial<HTTPIngressPath>).pathType;
    expect(validateIngress(ing).map(String)).toEqual(expected);
  });
});

describe('validateIngress: hosts', () => {
  const cases: Array<[string, string, number]> = [
    ['valid host', 'foo.bar.com', 0],
    ['valid wildcard', '*.bar.com', 0],
    ['valid single-label host', 'localhost', 0],
    ['IPv4 address', '127.0.0.1', 1],
    ['IPv6 address', '::1', 2],
    ['uppercase', 'Foo.bar.com', 1],
    ['wildcard not at the start', 'foo.*.bar.com', 1],
    ['double wildcard', '*.*.bar.com', 1],
    ['wildcard without dot', '*bar.com', 1],
    ['bare wildcard', '*', 1],
    ['port in host', 'foo.bar.com:8080', 1],
  ];
  it.each(cases)('%s: %s', (_n, host, numErrs) => {
    const ing = baseIngress();
    ing.spec!.rules![0]!.host = host;
    const errs = validateIngress(ing);
    expect(errs.map(String), errs.map(String).join('\n')).toHaveLength(numErrs);
    if (numErrs) expect(errs.every((e) => e.field === 'spec.rules[0].host')).toBe(true);
  });

  it('an IP host is worded as upstream', () => {
    const ing = baseIngress();
    ing.spec!.rules![0]!.host = '127.0.0.1';
    expect(validateIngress(ing).map(String)).toEqual(['spec.rules[0].host: Invalid value: "127.0.0.1": must be a DNS name, not an IP address']);
  });
});

describe('validateIngress: spec', () => {
  type Tweak = (i: Ingress) => void;
  const cases: Array<[string, Tweak, string[]]> = [
    ['valid', () => undefined, []],
    ['no rules and no default backend', (i) => (delete i.spec!.defaultBackend, void (i.spec!.rules = [])), ['spec: Invalid value: []: either `defaultBackend` or `rules` must be specified']],
    ['default backend only', (i) => void delete i.spec!.rules, []],
    ['empty paths', (i) => void (i.spec!.rules![0]!.http!.paths = []), ['spec.rules[0].http.paths: Required value']],
    ['rule without http', (i) => void delete i.spec!.rules![0]!.http, []],
    ['invalid name', (i) => void (i.metadata!.name = 'Foo'), ['metadata.name: Invalid value: "Foo": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')']],
    ['both service and resource', (i) => void (i.spec!.defaultBackend!.resource = { kind: 'Bucket', name: 'b' }), ['spec.defaultBackend: Invalid value: "": cannot set both resource and service backends']],
    ['neither service nor resource', (i) => void (i.spec!.defaultBackend = {}), ['spec.defaultBackend: Invalid value: "": resource or service backend is required']],
    ['valid resource backend', (i) => void (i.spec!.defaultBackend = { resource: { apiGroup: 'example.com', kind: 'foo', name: 'bar' } }), []],
    ['resource backend kind with /', (i) => void (i.spec!.defaultBackend = { resource: { kind: 'foo/bar', name: 'bar' } }), ["spec.defaultBackend.resource.kind: Invalid value: \"foo/bar\": may not contain '/'"]],
    ['resource backend without name', (i) => void (i.spec!.defaultBackend = { resource: { kind: 'foo', name: '' } }), ['spec.defaultBackend.resource.name: Required value']],
    ['service without name', (i) => void (i.spec!.defaultBackend!.service!.name = ''), ['spec.defaultBackend.service.name: Required value']],
    ['service name not DNS-1035', (i) => void (i.spec!.defaultBackend!.service!.name = '1-svc'), ['spec.defaultBackend.service.name: Invalid value: "1-svc": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')']],
    ['port name and number', (i) => void (i.spec!.defaultBackend!.service!.port = { name: 'http', number: 80 }), ['spec.defaultBackend: Invalid value: "": cannot set both port name & port number']],
    ['neither port name nor number', (i) => void (i.spec!.defaultBackend!.service!.port = {}), ['spec.defaultBackend: Required value: port name or number is required']],
    ['valid port name', (i) => void (i.spec!.defaultBackend!.service!.port = { name: 'http' }), []],
    ['invalid port name', (i) => void (i.spec!.defaultBackend!.service!.port = { name: 'HTTP' }), ['spec.defaultBackend.service.port.name: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'spec.defaultBackend.service.port.name: Invalid value: "HTTP": must contain at least one letter (a-z)']],
    ['invalid port number', (i) => void (i.spec!.defaultBackend!.service!.port = { number: 65536 }), ['spec.defaultBackend.service.port.number: Invalid value: 65536: must be between 1 and 65535, inclusive']],
    ['valid tls', (i) => void (i.spec!.tls = [{ hosts: ['foo.bar.com', '*.bar.com'], secretName: 'foo-tls' }]), []],
    ['tls host wildcard not leading', (i) => void (i.spec!.tls = [{ hosts: ['foo.*.bar.com'] }]), ['spec.tls[0].hosts[0]: Invalid value: "foo.*.bar.com": a wildcard DNS-1123 subdomain must start with \'*.\', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, \'-\' or \'.\' and end with an alphanumeric character (e.g. \'*.example.com\', regex used for validation is \'\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')']],
    ['tls invalid secretName', (i) => void (i.spec!.tls = [{ secretName: 'Foo_TLS' }]), ['spec.tls[0].secretName: Invalid value: "Foo_TLS": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')']],
    ['valid ingressClassName', (i) => void (i.spec!.ingressClassName = 'nginx'), []],
    ['invalid ingressClassName', (i) => void (i.spec!.ingressClassName = 'NGINX'), ['spec.ingressClassName: Invalid value: "NGINX": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')']],
    ['class annotation differs from ingressClassName', (i) => ((i.spec!.ingressClassName = 'nginx'), void (i.metadata!.annotations = { 'kubernetes.io/ingress.class': 'haproxy' })), ['annotations.kubernetes.io/ingress.class: Invalid value: "haproxy": must match `ingressClassName` when both are specified']],
  ];
  it.each(cases)('%s', (_n, tweak, expected) => {
    const ing = baseIngress();
    tweak(ing);
    expect(validateIngress(ing).map(String)).toEqual(expected);
  });
});

describe('validateIngressClass', () => {
  const ic = (spec: IngressClass['spec']): IngressClass => ({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'test123' }, spec });
  const cases: Array<[string, IngressClass, string[]]> = [
    ['valid', ic({ controller: 'foo.co/bar' }), []],
    ['valid with namespace-scoped parameters', ic({ controller: 'foo.co/bar', parameters: { apiGroup: 'example.com', kind: 'foo', name: 'bar', scope: 'Namespace', namespace: 'foo-ns' } }), []],
    ['missing controller', ic({}), ['spec.controller: Required value']],
    ['controller without path', ic({ controller: 'foo.co' }), ['spec.controller: Invalid value: "foo.co": must be a domain-prefixed path (such as "acme.io/foo")']],
    ['controller too long', ic({ controller: `foo.co/${'a'.repeat(250)}` }), ['spec.controller: Too long: may not be more than 250 bytes']],
    ['parameters without scope', ic({ controller: 'foo.co/bar', parameters: { kind: 'foo', name: 'bar' } }), ['spec.parameters.scope: Required value']],
    ['Namespace scope without namespace', ic({ controller: 'foo.co/bar', parameters: { kind: 'foo', name: 'bar', scope: 'Namespace' } }), ["spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'"]],
    ['Cluster scope with namespace', ic({ controller: 'foo.co/bar', parameters: { kind: 'foo', name: 'bar', scope: 'Cluster', namespace: 'x' } }), ["spec.parameters.namespace: Forbidden: `parameters.scope` is set to 'Cluster'"]],
    ['bad scope', ic({ controller: 'foo.co/bar', parameters: { kind: 'foo', name: 'bar', scope: 'bad' } }), ['spec.parameters.scope: Unsupported value: "bad": supported values: "Cluster", "Namespace"']],
    ['namespaced IngressClass', { ...ic({ controller: 'foo.co/bar' }), metadata: { name: 'x', namespace: 'default' } }, ['metadata.namespace: Forbidden: not allowed on this type']],
  ];
  it.each(cases)('%s', (_n, obj, expected) => expect(validateIngressClass(obj).map(String)).toEqual(expected));

  it('controller is immutable', () => {
    expect(validateIngressClass(ic({ controller: 'foo.co/baz' }), ic({ controller: 'foo.co/bar' })).map(String)).toEqual([
      'spec.controller: Invalid value: "foo.co/baz": field is immutable',
    ]);
  });
});
