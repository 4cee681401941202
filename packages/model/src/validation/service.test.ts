import { describe, expect, it } from 'vitest';
import type { Service, ServicePort, ServiceSpec } from 'kubernetes-types/core/v1.js';
import { validateService } from './service.js';

// Transcribed from kubernetes/kubernetes pkg/apis/core/validation/validation_test.go TestValidateServiceCreate:
// one valid Service (makeValidService), one tweak per case, the expected number of errors (and, where
// the case is about one rule, the field it lands on).
function makeValidService(): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'valid', namespace: 'default', labels: {}, annotations: {}, resourceVersion: '1' },
    spec: {
      selector: { key: 'val' },
      sessionAffinity: 'None',
      type: 'ClusterIP',
      ports: [{ name: 'p', protocol: 'TCP', port: 8675, targetPort: 8675 }],
      internalTrafficPolicy: 'Cluster',
    },
  };
}

type Tweak = (s: Service & { spec: ServiceSpec; metadata: NonNullable<Service['metadata']> }) => void;
const port = (p: ServicePort): ServicePort => p;
const headless: Tweak = (s) => {
  s.spec.clusterIP = 'None';
  s.spec.clusterIPs = ['None'];
};
const lb: Tweak = (s) => {
  s.spec.type = 'LoadBalancer';
  s.spec.allocateLoadBalancerNodePorts = true;
  s.spec.externalTrafficPolicy = 'Cluster';
};
const nodePort: Tweak = (s) => {
  s.spec.type = 'NodePort';
  s.spec.externalTrafficPolicy = 'Cluster';
};
const externalName: Tweak = (s) => {
  s.spec.type = 'ExternalName';
  s.spec.externalName = 'foo.bar.example.com';
};
const SRC_RANGES = 'service.beta.kubernetes.io/load-balancer-source-ranges';

const cases: Array<[name: string, tweak: Tweak, numErrs: number, field?: string]> = [
  ['missing namespace', (s) => void (s.metadata.namespace = ''), 1, 'metadata.namespace'],
  ['invalid namespace', (s) => void (s.metadata.namespace = '-123'), 1, 'metadata.namespace'],
  ['missing name', (s) => void (s.metadata.name = ''), 1, 'metadata.name'],
  ['invalid name', (s) => void (s.metadata.name = '-123'), 1, 'metadata.name'],
  ['too long name', (s) => void (s.metadata.name = 'a'.repeat(64)), 1, 'metadata.name'],
  ['name with uppercase (DNS-1035)', (s) => void (s.metadata.name = 'Web'), 1, 'metadata.name'],
  ['name starting with a digit (DNS-1035)', (s) => void (s.metadata.name = '1web'), 1, 'metadata.name'],
  ['invalid generateName', (s) => void (s.metadata.generateName = '-123'), 1, 'metadata.generateName'],
  ['too long generateName', (s) => void (s.metadata.generateName = 'a'.repeat(64)), 1, 'metadata.generateName'],
  ['valid generateName with trailing dash', (s) => void (s.metadata.generateName = 'web-'), 0],
  ['invalid label', (s) => void (s.metadata.labels = { 'NoUppercaseOrSpecialCharsLike=Equals': 'bar' }), 1, 'metadata.labels'],
  ['invalid annotation', (s) => void (s.metadata.annotations = { 'NoSpecialCharsLike=Equals': 'bar' }), 1, 'metadata.annotations'],
  ['nil selector', (s) => void delete s.spec.selector, 0],
  ['invalid selector', (s) => void (s.spec.selector = { 'NoSpecialCharsLike=Equals': 'bar' }), 1, 'spec.selector'],
  ['missing session affinity', (s) => void (s.spec.sessionAffinity = ''), 1, 'spec.sessionAffinity'],
  ['missing type', (s) => void (s.spec.type = ''), 1, 'spec.type'],
  ['invalid type', (s) => void (s.spec.type = 'Foo'), 1, 'spec.type'],
  ['missing ports', (s) => void (s.spec.ports = []), 1, 'spec.ports'],
  ['missing ports but headless', (s) => (headless(s), void (s.spec.ports = [])), 0],
  ['empty port[0] name', (s) => void (s.spec.ports![0]!.name = ''), 0],
  ['empty port[1] name', (s) => void s.spec.ports!.push(port({ name: '', protocol: 'TCP', port: 12345, targetPort: 12345 })), 1, 'spec.ports[1].name'],
  [
    'empty multi-port port[0] name',
    (s) => {
      s.spec.ports![0]!.name = '';
      s.spec.ports!.push({ name: 'p', protocol: 'TCP', port: 12345, targetPort: 12345 });
    },
    1,
    'spec.ports[0].name',
  ],
  ['invalid port name', (s) => void (s.spec.ports![0]!.name = 'INVALID'), 1, 'spec.ports[0].name'],
  ['missing protocol', (s) => void (s.spec.ports![0]!.protocol = ''), 1, 'spec.ports[0].protocol'],
  ['invalid protocol', (s) => void (s.spec.ports![0]!.protocol = 'INVALID'), 1, 'spec.ports[0].protocol'],
  ['invalid cluster ip', (s) => ((s.spec.clusterIP = 'invalid'), void (s.spec.clusterIPs = ['invalid'])), 1, 'spec.clusterIPs[0]'],
  ['missing port', (s) => void (s.spec.ports![0]!.port = 0), 1, 'spec.ports[0].port'],
  ['invalid port', (s) => void (s.spec.ports![0]!.port = 65536), 1, 'spec.ports[0].port'],
  ['invalid TargetPort int', (s) => void (s.spec.ports![0]!.targetPort = 65536), 1, 'spec.ports[0].targetPort'],
  ['valid port headless', (s) => (headless(s), void Object.assign(s.spec.ports![0]!, { port: 11722, targetPort: 11722 })), 0],
  ['invalid port headless 1 (tolerated as v1 did)', (s) => (headless(s), void Object.assign(s.spec.ports![0]!, { port: 11722, targetPort: 11721 })), 0],
  ['invalid port headless 2 (tolerated as v1 did)', (s) => (headless(s), void Object.assign(s.spec.ports![0]!, { port: 11722, targetPort: 'target' })), 0],
  ['invalid named targetPort (IANA_SVC_NAME)', (s) => void (s.spec.ports![0]!.targetPort = 'Http'), 1, 'spec.ports[0].targetPort'],
  ['targetPort name too long', (s) => void (s.spec.ports![0]!.targetPort = 'a-very-long-port-name'), 1, 'spec.ports[0].targetPort'],
  ['targetPort name with double hyphen', (s) => void (s.spec.ports![0]!.targetPort = 'a--b'), 1, 'spec.ports[0].targetPort'],
  ['targetPort name without a letter', (s) => void (s.spec.ports![0]!.targetPort = '123'), 1, 'spec.ports[0].targetPort'],
  ['valid named targetPort', (s) => void (s.spec.ports![0]!.targetPort = 'http'), 0],
  ['invalid publicIPs localhost', (s) => ((s.spec.externalTrafficPolicy = 'Cluster'), void (s.spec.externalIPs = ['127.0.0.1'])), 1, 'spec.externalIPs[0]'],
  ['invalid publicIPs unspecified', (s) => ((s.spec.externalTrafficPolicy = 'Cluster'), void (s.spec.externalIPs = ['0.0.0.0'])), 1, 'spec.externalIPs[0]'],
  ['invalid publicIPs IPv6 loopback', (s) => ((s.spec.externalTrafficPolicy = 'Cluster'), void (s.spec.externalIPs = ['::1'])), 1, 'spec.externalIPs[0]'],
  ['invalid publicIPs link-local', (s) => ((s.spec.externalTrafficPolicy = 'Cluster'), void (s.spec.externalIPs = ['169.254.169.254'])), 1, 'spec.externalIPs[0]'],
  ['invalid publicIPs IPv6 link-local', (s) => ((s.spec.externalTrafficPolicy = 'Cluster'), void (s.spec.externalIPs = ['fe80::1'])), 1, 'spec.externalIPs[0]'],
  ['invalid publicIPs link-local multicast', (s) => ((s.spec.externalTrafficPolicy = 'Cluster'), void (s.spec.externalIPs = ['224.0.0.1'])), 1, 'spec.externalIPs[0]'],
  ['invalid publicIPs host', (s) => ((s.spec.externalTrafficPolicy = 'Cluster'), void (s.spec.externalIPs = ['myhost.mydomain'])), 1, 'spec.externalIPs[0]'],
  ['valid publicIPs', (s) => ((s.spec.externalTrafficPolicy = 'Cluster'), void (s.spec.externalIPs = ['1.2.3.4', '2001:db8::1'])), 0],
  ['externalIPs without externalTrafficPolicy', (s) => void (s.spec.externalIPs = ['1.2.3.4']), 1, 'spec.externalTrafficPolicy'],
  ['dup port name', (s) => void s.spec.ports!.push({ name: 'p', protocol: 'TCP', port: 12345, targetPort: 12345 }), 1, 'spec.ports[1].name'],
  ['valid load balancer protocol UDP 1', (s) => (lb(s), void (s.spec.ports![0]!.protocol = 'UDP')), 0],
  ['valid load balancer protocol UDP 2', (s) => (lb(s), void (s.spec.ports![0] = { name: 'q', port: 12345, protocol: 'UDP', targetPort: 12345 })), 0],
  ['load balancer with mix protocol', (s) => (lb(s), void s.spec.ports!.push({ name: 'q', port: 12345, protocol: 'UDP', targetPort: 12345 })), 0],
  ['valid 1', () => undefined, 0],
  ['valid 2', (s) => void Object.assign(s.spec.ports![0]!, { protocol: 'UDP', targetPort: 12345 }), 0],
  ['valid 3', (s) => void (s.spec.ports![0]!.targetPort = 'http'), 0],
  ['valid cluster ip - none', headless, 0],
  ['valid cluster ip - empty', (s) => ((s.spec.clusterIP = ''), void (s.spec.clusterIPs = [])), 0],
  ['valid type - clusterIP', (s) => void (s.spec.type = 'ClusterIP'), 0],
  ['valid type - loadbalancer', lb, 0],
  ['valid type - loadbalancer with allocateLoadBalancerNodePorts=false', (s) => (lb(s), void (s.spec.allocateLoadBalancerNodePorts = false)), 0],
  ['invalid type - missing AllocateLoadBalancerNodePorts for loadbalancer type', (s) => (lb(s), void delete s.spec.allocateLoadBalancerNodePorts), 1, 'allocateLoadBalancerNodePorts'],
  ['valid type loadbalancer 2 ports', (s) => (lb(s), void s.spec.ports!.push({ name: 'q', port: 12345, protocol: 'TCP', targetPort: 12345 })), 0],
  [
    'duplicate nodeports',
    (s) => {
      nodePort(s);
      s.spec.ports![0] = { name: 'p', port: 1, protocol: 'TCP', nodePort: 1, targetPort: 1 };
      s.spec.ports!.push({ name: 'q', port: 2, protocol: 'TCP', nodePort: 1, targetPort: 2 });
    },
    1,
    'spec.ports[1].nodePort',
  ],
  [
    'duplicate nodeports (different protocols)',
    (s) => {
      nodePort(s);
      s.spec.ports![0] = { name: 'p', port: 1, protocol: 'TCP', nodePort: 1, targetPort: 1 };
      s.spec.ports!.push({ name: 'q', port: 2, protocol: 'UDP', nodePort: 1, targetPort: 2 });
      s.spec.ports!.push({ name: 'r', port: 3, protocol: 'SCTP', nodePort: 1, targetPort: 3 });
    },
    0,
  ],
  [
    'invalid duplicate ports (with same protocol)',
    (s) => void s.spec.ports!.push({ name: 'q', port: 8675, protocol: 'TCP', targetPort: 8080 }),
    1,
    'spec.ports[1]',
  ],
  ['valid duplicate ports (with different protocols)', (s) => void s.spec.ports!.push({ name: 'q', port: 8675, protocol: 'UDP', targetPort: 8675 }), 0],
  ['valid type - nodeport', nodePort, 0],
  ['invalid type - NodePort with clusterIP None', (s) => (nodePort(s), headless(s)), 1, 'spec.clusterIPs[0]'],
  ['invalid nodePort with type ClusterIP', (s) => void (s.spec.ports![0]!.nodePort = 30093), 1, 'spec.ports[0].nodePort'],
  ['nodePort out of range', (s) => (nodePort(s), void (s.spec.ports![0]!.nodePort = 70000)), 1, 'spec.ports[0].nodePort'],
  ['valid type - loadbalancer with nodePort', (s) => (lb(s), void (s.spec.ports![0]!.nodePort = 30093)), 0],
  ['LoadBalancer type cannot have None ClusterIP', (s) => (lb(s), headless(s)), 1, 'spec.clusterIPs[0]'],
  ['valid LoadBalancer source range annotation', (s) => (lb(s), void (s.metadata.annotations = { [SRC_RANGES]: '1.2.3.4/8,  5.6.7.8/16' })), 0],
  ['empty LoadBalancer source range annotation', (s) => (lb(s), void (s.metadata.annotations = { [SRC_RANGES]: '' })), 0],
  ['invalid LoadBalancer source range annotation (hostname)', (s) => void (s.metadata.annotations = { [SRC_RANGES]: 'foo.bar' }), 2],
  ['invalid LoadBalancer source range annotation (invalid CIDR)', (s) => (lb(s), void (s.metadata.annotations = { [SRC_RANGES]: '1.2.3.4/33' })), 1],
  ['invalid source range for non LoadBalancer type service', (s) => void (s.spec.loadBalancerSourceRanges = ['1.2.3.4/8', '5.6.7.8/16']), 1, 'spec.LoadBalancerSourceRanges'],
  ['valid LoadBalancer source range', (s) => (lb(s), void (s.spec.loadBalancerSourceRanges = ['1.2.3.4/8', '5.6.7.8/16'])), 0],
  ['valid LoadBalancer source range with whitespace', (s) => (lb(s), void (s.spec.loadBalancerSourceRanges = ['1.2.3.4/8  ', '  5.6.7.8/16'])), 0],
  ['empty LoadBalancer source range', (s) => (lb(s), void (s.spec.loadBalancerSourceRanges = ['   '])), 1, 'spec.LoadBalancerSourceRanges[0]'],
  ['invalid LoadBalancer source range', (s) => (lb(s), void (s.spec.loadBalancerSourceRanges = ['foo.bar'])), 1, 'spec.LoadBalancerSourceRanges[0]'],
  ['valid ExternalName', externalName, 0],
  ['valid ExternalName (trailing dot)', (s) => (externalName(s), void (s.spec.externalName = 'foo.bar.example.com.')), 0],
  ['valid ExternalName without ports', (s) => (externalName(s), void (s.spec.ports = [])), 0],
  ['invalid ExternalName clusterIP (valid IP)', (s) => (externalName(s), (s.spec.clusterIP = '1.2.3.4'), void (s.spec.clusterIPs = ['1.2.3.4'])), 1, 'spec.clusterIPs'],
  ['invalid ExternalName clusterIP (None)', (s) => (externalName(s), headless(s)), 1, 'spec.clusterIPs'],
  ['invalid ExternalName (not a DNS name)', (s) => (externalName(s), void (s.spec.externalName = '-123')), 1, 'spec.externalName'],
  ['invalid ExternalName (missing)', (s) => (externalName(s), void (s.spec.externalName = '')), 1, 'spec.externalName'],
  ['invalid ExternalName with ipFamilies', (s) => (externalName(s), void (s.spec.ipFamilies = ['IPv4'])), 1, 'spec.ipFamilies'],
  ['invalid ExternalName with ipFamilyPolicy', (s) => (externalName(s), void (s.spec.ipFamilyPolicy = 'SingleStack')), 1, 'spec.ipFamilyPolicy'],
  ['nil internalTrafficPolicy', (s) => void delete s.spec.internalTrafficPolicy, 1, 'spec.internalTrafficPolicy'],
  ['nil internalTrafficPolicy is fine for ExternalName', (s) => (externalName(s), void delete s.spec.internalTrafficPolicy), 0],
  ['invalid internalTrafficPolicy', (s) => void (s.spec.internalTrafficPolicy = 'invalid'), 1, 'spec.internalTrafficPolicy'],
  ['valid internalTrafficPolicy Local', (s) => void (s.spec.internalTrafficPolicy = 'Local'), 0],
  ['valid externalTrafficPolicy Local', (s) => (nodePort(s), void (s.spec.externalTrafficPolicy = 'Local')), 0],
  ['invalid externalTrafficPolicy', (s) => (nodePort(s), void (s.spec.externalTrafficPolicy = 'invalid')), 1, 'spec.externalTrafficPolicy'],
  ['missing externalTrafficPolicy for NodePort', (s) => (nodePort(s), void delete s.spec.externalTrafficPolicy), 1, 'spec.externalTrafficPolicy'],
  ['externalTrafficPolicy is set for ClusterIP', (s) => void (s.spec.externalTrafficPolicy = 'Local'), 1, 'spec.externalTrafficPolicy'],
  ['healthCheckNodePort with externalTrafficPolicy Cluster', (s) => (lb(s), void (s.spec.healthCheckNodePort = 34567)), 1, 'spec.healthCheckNodePort'],
  ['healthCheckNodePort on NodePort Local', (s) => (nodePort(s), (s.spec.externalTrafficPolicy = 'Local'), void (s.spec.healthCheckNodePort = 34567)), 1, 'spec.healthCheckNodePort'],
  ['valid healthCheckNodePort (LoadBalancer, Local)', (s) => (lb(s), (s.spec.externalTrafficPolicy = 'Local'), void (s.spec.healthCheckNodePort = 34567)), 0],
  ['healthCheckNodePort to be allocated (LoadBalancer, Local)', (s) => (lb(s), void (s.spec.externalTrafficPolicy = 'Local')), 0],
  ['invalid healthCheckNodePort', (s) => (lb(s), (s.spec.externalTrafficPolicy = 'Local'), void (s.spec.healthCheckNodePort = -1)), 1, 'spec.healthCheckNodePort'],
  ['ClientIP affinity with timeout 86400', (s) => ((s.spec.sessionAffinity = 'ClientIP'), void (s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 86400 } })), 0],
  ['ClientIP affinity with timeout 86401', (s) => ((s.spec.sessionAffinity = 'ClientIP'), void (s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 86401 } })), 1, 'spec.sessionAffinityConfig.clientIP.timeoutSeconds'],
  ['ClientIP affinity with timeout 0', (s) => ((s.spec.sessionAffinity = 'ClientIP'), void (s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 0 } })), 1, 'spec.sessionAffinityConfig.clientIP.timeoutSeconds'],
  ['ClientIP affinity without config', (s) => void (s.spec.sessionAffinity = 'ClientIP'), 1, 'spec.sessionAffinityConfig'],
  ['ClientIP affinity without clientIP', (s) => ((s.spec.sessionAffinity = 'ClientIP'), void (s.spec.sessionAffinityConfig = {})), 1, 'spec.sessionAffinityConfig.clientIP'],
  ['sessionAffinityConfig with affinity None', (s) => void (s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 90 } }), 1, 'spec.sessionAffinityConfig'],
  ['invalid sessionAffinity', (s) => void (s.spec.sessionAffinity = 'Sticky'), 1, 'spec.sessionAffinity'],
  ['valid appProtocol', (s) => void (s.spec.ports![0]!.appProtocol = 'kubernetes.io/h2c'), 0],
  ['invalid appProtocol', (s) => void (s.spec.ports![0]!.appProtocol = 'a/b/c'), 1, 'spec.ports[0].appProtocol'],
  ['loadBalancerClass on ClusterIP', (s) => void (s.spec.loadBalancerClass = 'example.com/lb'), 1, 'spec.loadBalancerClass'],
  ['invalid loadBalancerClass', (s) => (lb(s), void (s.spec.loadBalancerClass = '-bad')), 1, 'spec.loadBalancerClass'],
  ['allocateLoadBalancerNodePorts on ClusterIP', (s) => void (s.spec.allocateLoadBalancerNodePorts = true), 1, 'spec.allocateLoadBalancerNodePorts'],
  ['valid trafficDistribution', (s) => void Object.assign(s.spec, { trafficDistribution: 'PreferClose' }), 0],
  ['invalid trafficDistribution', (s) => void Object.assign(s.spec, { trafficDistribution: 'Anywhere' }), 1, 'spec.trafficDistribution'],
  // dual-stack (TestValidateServiceCreate's clusterIPs / ipFamilies cases)
  [
    'valid dual-stack clusterIPs',
    (s) => Object.assign(s.spec, { clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1', '2001:db8::1'], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' }),
    0,
  ],
  ['clusterIPs of one family', (s) => Object.assign(s.spec, { clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1', '10.0.0.2'] }), 1, 'spec.clusterIPs'],
  ['more than two clusterIPs', (s) => Object.assign(s.spec, { clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1', '2001:db8::1', '10.0.0.2'] }), 1, 'spec.clusterIPs'],
  ['clusterIPs[0] differs from clusterIP', (s) => Object.assign(s.spec, { clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.2'] }), 1, 'spec.clusterIPs'],
  ['clusterIP set but clusterIPs missing', (s) => Object.assign(s.spec, { clusterIP: '10.0.0.1' }), 1, 'spec.clusterIPs'],
  ['clusterIPs without clusterIP', (s) => Object.assign(s.spec, { clusterIPs: ['10.0.0.1'] }), 1, 'spec.clusterIPs'],
  ["'None' not alone", (s) => Object.assign(s.spec, { clusterIP: 'None', clusterIPs: ['None', '10.0.0.1'] }), 1, 'spec.clusterIPs'],
  ['invalid ipFamily', (s) => void (s.spec.ipFamilies = ['IPv5']), 1, 'spec.ipFamilies[0]'],
  ['duplicate ipFamily', (s) => void (s.spec.ipFamilies = ['IPv4', 'IPv4']), 1, 'spec.ipFamilies[1]'],
  ['invalid ipFamilyPolicy', (s) => void (s.spec.ipFamilyPolicy = 'Foo'), 1, 'spec.ipFamilyPolicy'],
  ['clusterIP family differs from ipFamilies', (s) => Object.assign(s.spec, { clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1'], ipFamilies: ['IPv6'] }), 1, 'spec.clusterIPs[0]'],
  ['IPv4-mapped IPv6 clusterIP counts as IPv4', (s) => Object.assign(s.spec, { clusterIP: '::ffff:10.0.0.1', clusterIPs: ['::ffff:10.0.0.1'], ipFamilies: ['IPv4'] }), 0],
];

describe('validateService (create)', () => {
  it.each(cases)('%s', (_name, tweak, numErrs, field) => {
    const svc = makeValidService() as Parameters<Tweak>[0];
    tweak(svc);
    const errs = validateService(svc);
    expect(errs.map(String), errs.map(String).join('\n')).toHaveLength(numErrs);
    if (field) expect(errs[0]!.field).toBe(field);
  });

  it('reports every error at once, in upstream wording', () => {
    const svc = makeValidService();
    svc.spec!.ports = [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 80 },
      { port: 0, protocol: 'FOO', targetPort: 'Http' },
    ];
    svc.spec!.sessionAffinity = 'ClientIP';
    svc.spec!.sessionAffinityConfig = { clientIP: { timeoutSeconds: 90000 } };
    expect(validateService(svc).map(String)).toEqual([
      'spec.ports[1].name: Required value',
      'spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ports[1].protocol: Unsupported value: "FOO": supported values: "SCTP", "TCP", "UDP"',
      'spec.ports[1].targetPort: Invalid value: "Http": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 90000: must be greater than 0 and less than 86400',
    ]);
  });

  it('words a bad Service name as upstream does', () => {
    const svc = makeValidService();
    svc.metadata!.name = 'My_Service';
    expect(validateService(svc).map(String)).toEqual([
      'metadata.name: Invalid value: "My_Service": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
    ]);
  });

  it('requires an allocated healthCheckNodePort when asked to', () => {
    const svc = makeValidService();
    Object.assign(svc.spec!, { type: 'LoadBalancer', allocateLoadBalancerNodePorts: true, externalTrafficPolicy: 'Local' });
    expect(validateService(svc, undefined, { requireAllocated: true }).map(String)).toEqual(['spec.healthCheckNodePort: Required value']);
  });
});

describe('validateService (update)', () => {
  const allocated = (): Service => {
    const s = makeValidService();
    Object.assign(s.spec!, { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
    return s;
  };
  const updateCases: Array<[string, (s: Service) => void, number, string?]> = [
    ['no change', () => undefined, 0],
    ['change clusterIP', (s) => Object.assign(s.spec!, { clusterIP: '10.96.0.21', clusterIPs: ['10.96.0.21'] }), 1, 'spec.clusterIPs[0]'],
    ['unset clusterIP', (s) => Object.assign(s.spec!, { clusterIP: '', clusterIPs: [] }), 1, 'spec.clusterIPs[0]'],
    ['change name', (s) => void (s.metadata!.name = 'other'), 1, 'metadata.name'],
    ['change namespace', (s) => void (s.metadata!.namespace = 'other'), 1, 'metadata.namespace'],
    [
      'upgrade to dual-stack',
      (s) => Object.assign(s.spec!, { clusterIPs: ['10.96.0.20', 'fd00::20'], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' }),
      0,
    ],
    ['change primary ipFamily', (s) => Object.assign(s.spec!, { ipFamilies: ['IPv6'] }), 2],
    ['change to ExternalName clearing the clusterIP', (s) => Object.assign(s.spec!, { type: 'ExternalName', externalName: 'example.com', clusterIP: '', clusterIPs: undefined, ipFamilies: undefined, ipFamilyPolicy: undefined }), 0],
  ];
  it.each(updateCases)('%s', (_name, tweak, numErrs, field) => {
    const old = allocated();
    const svc = allocated();
    tweak(svc);
    const errs = validateService(svc, old);
    expect(errs.map(String), errs.map(String).join('\n')).toHaveLength(numErrs);
    if (field) expect(errs[0]!.field).toBe(field);
  });

  it('downgrade from dual-stack needs SingleStack', () => {
    const old = allocated();
    Object.assign(old.spec!, { clusterIPs: ['10.96.0.20', 'fd00::20'], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' });
    const svc = structuredClone(old);
    Object.assign(svc.spec!, { clusterIPs: ['10.96.0.20'], ipFamilies: ['IPv4'] });
    expect(validateService(svc, old).map((e) => e.field)).toEqual(['spec.ipFamilyPolicy', 'spec.ipFamilyPolicy']);
    svc.spec!.ipFamilyPolicy = 'SingleStack';
    expect(validateService(svc, old)).toEqual([]);
  });

  it('loadBalancerClass and healthCheckNodePort are immutable', () => {
    const old = allocated();
    Object.assign(old.spec!, { type: 'LoadBalancer', allocateLoadBalancerNodePorts: true, externalTrafficPolicy: 'Local', healthCheckNodePort: 31000, loadBalancerClass: 'a.io/x' });
    const svc = structuredClone(old);
    Object.assign(svc.spec!, { healthCheckNodePort: 31001, loadBalancerClass: 'a.io/y' });
    expect(validateService(svc, old).map(String)).toEqual([
      'spec.loadBalancerClass: Invalid value: "a.io/y": may not change once set',
      'spec.healthCheckNodePort: Forbidden: field is immutable',
    ]);
  });
});
