import { describe, expect, it } from 'vitest';
import type { Node, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { validateNode } from './node.js';
import { validatePod } from './pod.js';
import { validateSecret } from './secret.js';
import { validateObject } from './validateObject.js';

function pod(): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default' },
    spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }] }] },
    status: { podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }] },
  };
}

describe('validatePod (networking part, upstream validateContainerPorts / validatePodIPs)', () => {
  type Tweak = (p: Pod) => void;
  const port = (p: Pod) => p.spec!.containers[0]!.ports![0]!;
  const cases: Array<[string, Tweak, number, string?]> = [
    ['valid', () => undefined, 0],
    ['no containers', (p) => void (p.spec!.containers = []), 1, 'spec.containers'],
    ['container without name', (p) => void (p.spec!.containers[0]!.name = ''), 1, 'spec.containers[0].name'],
    ['duplicate container names', (p) => void p.spec!.containers.push({ name: 'nginx', image: 'x' }), 1, 'spec.containers[1].name'],
    ['port name not IANA_SVC_NAME', (p) => void (port(p).name = 'HTTP_PORT'), 2, 'spec.containers[0].ports[0].name'],
    ['port name too long', (p) => void (port(p).name = 'a-very-long-port-name'), 1, 'spec.containers[0].ports[0].name'],
    ['duplicate port names', (p) => void p.spec!.containers[0]!.ports!.push({ name: 'http', containerPort: 81, protocol: 'TCP' }), 1, 'spec.containers[0].ports[1].name'],
    ['missing containerPort', (p) => void (port(p).containerPort = 0), 1, 'spec.containers[0].ports[0].containerPort'],
    ['containerPort too large', (p) => void (port(p).containerPort = 65536), 1, 'spec.containers[0].ports[0].containerPort'],
    ['hostPort too large', (p) => void (port(p).hostPort = 65536), 1, 'spec.containers[0].ports[0].hostPort'],
    ['missing protocol', (p) => void delete port(p).protocol, 1, 'spec.containers[0].ports[0].protocol'],
    ['invalid protocol', (p) => void (port(p).protocol = 'HTTP'), 1, 'spec.containers[0].ports[0].protocol'],
    ['invalid podIP', (p) => void (p.status!.podIPs = [{ ip: '10.244.1' }]), 1, 'status.podIPs[0]'],
    ['dual-stack podIPs', (p) => void (p.status!.podIPs = [{ ip: '10.244.1.5' }, { ip: 'fd00::5' }]), 0],
    ['two IPv4 podIPs', (p) => void (p.status!.podIPs = [{ ip: '10.244.1.5' }, { ip: '10.244.1.6' }]), 1, 'status.podIPs'],
    ['duplicate podIPs', (p) => void (p.status!.podIPs = [{ ip: '10.244.1.5' }, { ip: '10.244.1.5' }]), 2],
    ['invalid name', (p) => void (p.metadata!.name = 'Web_1'), 1, 'metadata.name'],
  ];
  it.each(cases)('%s', (_n, tweak, numErrs, field) => {
    const p = pod();
    tweak(p);
    const errs = validatePod(p);
    expect(errs.map(String), errs.map(String).join('\n')).toHaveLength(numErrs);
    if (field) expect(errs[0]!.field).toBe(field);
  });
});

// Issue 22: a Pod's IPs become EndpointSlice addresses, so they obey the endpoint address rules.
describe('validatePod status IPs (validatePodIPs and the endpoint address rules)', () => {
  const withIPs = (podIP: string | undefined, podIPs: string[] | undefined): Pod => {
    const status = { ...(podIP === undefined ? {} : { podIP }), ...(podIPs === undefined ? {} : { podIPs: podIPs.map((ip) => ({ ip })) }) };
    return { ...pod(), status };
  };
  const cases: Array<[string, Pod, string[]]> = [
    ['podIP and podIPs agree', withIPs('10.244.1.5', ['10.244.1.5', 'fd00::5']), []],
    ['podIP alone', withIPs('10.244.1.5', undefined), []],
    ['loopback podIP', withIPs('127.0.0.1', ['127.0.0.1']), [
      'status.podIP: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      'status.podIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    ]],
    ['loopback podIP alone', withIPs('127.0.0.1', undefined), ['status.podIP: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)']],
    ['link-local second family', withIPs('10.244.1.5', ['10.244.1.5', 'fe80::5']), ['status.podIPs[1]: Invalid value: "fe80::5": may not be in the link-local range (169.254.0.0/16, fe80::/10)']],
    ['unspecified', withIPs('0.0.0.0', ['0.0.0.0']), [
      'status.podIP: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)',
      'status.podIPs[0]: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)',
    ]],
    ['podIP not an address', withIPs('10.244.1.5\n', undefined), ['status.podIP: Invalid value: "10.244.1.5\\n": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
    ['podIPs[0] disagrees with podIP', withIPs('10.244.1.5', ['10.244.1.6']), ['status.podIPs[0].ip: Invalid value: "10.244.1.6": must be equal to `podIP`']],
  ];
  it.each(cases)('%s', (_n, p, want) => expect(validatePod(p).map(String)).toEqual(want));
});

describe('which writes validate a Pod status', () => {
  const stored: Pod = { ...pod(), status: { podIP: '127.0.0.1', podIPs: [{ ip: '127.0.0.1' }] } };
  it('a status write and a whole object (no old) do; a main-resource update, whose status is the stored one, does not', () => {
    expect(validateObject(stored, stored, { subresource: 'status' }).map((e) => e.field)).toEqual(['status.podIP', 'status.podIPs[0]']);
    expect(validateObject(stored).map((e) => e.field)).toEqual(['status.podIP', 'status.podIPs[0]']);
    expect(validateObject({ ...stored, metadata: { ...stored.metadata, labels: { a: 'b' } } }, stored)).toEqual([]);
  });
});

describe('validateNode', () => {
  const node = (spec: Node['spec'], addresses: NonNullable<Node['status']>['addresses']): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec, status: { addresses } });
  const cases: Array<[string, Node, string[]]> = [
    ['valid', node({ podCIDRs: ['10.244.1.0/24', 'fd00:1::/64'] }, [{ type: 'InternalIP', address: '192.168.1.10' }, { type: 'Hostname', address: 'node-1' }]), []],
    ['invalid podCIDR', node({ podCIDRs: ['10.244.1.0/33'] }, []), ['spec.podCIDRs[0]: Invalid value: "10.244.1.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']],
    ['two IPv4 podCIDRs', node({ podCIDRs: ['10.244.1.0/24', '10.244.2.0/24'] }, []), ['spec.podCIDRs: Invalid value: ["10.244.1.0/24","10.244.2.0/24"]: may specify no more than one CIDR for each IP family']],
    ['duplicate address', node({}, [{ type: 'InternalIP', address: '192.168.1.10' }, { type: 'InternalIP', address: '192.168.1.10' }]), ['status.addresses[1]: Duplicate value: {"type":"InternalIP","address":"192.168.1.10"}']],
    ['InternalIP that is not an IP', node({}, [{ type: 'InternalIP', address: 'node-1' }]), ['status.addresses[0].address: Invalid value: "node-1": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
    ['namespaced Node', { ...node({}, []), metadata: { name: 'node-1', namespace: 'default' } }, ['metadata.namespace: Forbidden: not allowed on this type']],
  ];
  it.each(cases)('%s', (_n, n, expected) => expect(validateNode(n).map(String)).toEqual(expected));
});

describe('validateSecret', () => {
  const secret = (type: string, data: Record<string, string>): Secret => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls', namespace: 'default' }, type, data });
  const b64 = Buffer.from('x').toString('base64');
  const cases: Array<[string, Secret, string[]]> = [
    ['valid tls', secret('kubernetes.io/tls', { 'tls.crt': b64, 'tls.key': b64 }), []],
    ['tls without tls.key', secret('kubernetes.io/tls', { 'tls.crt': b64 }), ['data[tls.key]: Required value']],
    ['tls without either key', secret('kubernetes.io/tls', {}), ['data[tls.crt]: Required value', 'data[tls.key]: Required value']],
    ['opaque with anything', secret('Opaque', { a: b64 }), []],
    ['invalid data key', secret('Opaque', { 'a b': b64 }), ['data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, \'-\', \'_\' or \'.\' (e.g. \'key.name\',  or \'KEY_NAME\',  or \'key-name\', regex used for validation is \'[-._a-zA-Z0-9]+\')']],
    ['basic-auth without username and password', secret('kubernetes.io/basic-auth', {}), ['data[username]: Required value', 'data[password]: Required value']],
  ];
  it.each(cases)('%s', (_n, s, expected) => expect(validateSecret(s).map(String)).toEqual(expected));

  it('type is immutable', () => {
    expect(validateSecret(secret('Opaque', {}), secret('kubernetes.io/tls', { 'tls.crt': b64, 'tls.key': b64 })).map(String)).toEqual([
      'type: Invalid value: "Opaque": field is immutable',
    ]);
  });
});
