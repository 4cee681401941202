import type { Service } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { envVariableName, podServiceEnvironment, serviceEnvVars, serviceEnvironment } from './env.js';

const svc = (name: string, clusterIP: string, ports: NonNullable<Service['spec']>['ports'], namespace = 'default', type?: string): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { selector: { bar: 'baz' }, clusterIP, ports, ...(type ? { type } : {}) },
});

describe('serviceEnvVars (kubelet envvars.FromServices, TestFromServices)', () => {
  it('matches upstream\'s table, in order', () => {
    const vars = serviceEnvVars([
      svc('foo-bar', '1.2.3.4', [{ port: 8080, protocol: 'TCP' }]),
      svc('abc-123', '5.6.7.8', [
        { name: 'u-d-p', port: 8081, protocol: 'UDP' },
        { name: 't-c-p', port: 8081, protocol: 'TCP' },
      ]),
      svc('q-u-u-x', '9.8.7.6', [
        { port: 8082, protocol: 'TCP' },
        { name: '8083', port: 8083, protocol: 'TCP' },
      ]),
      svc('svrc-clusterip-none', 'None', [{ port: 8082, protocol: 'TCP' }]),
      svc('svrc-clusterip-empty', '', [{ port: 8082, protocol: 'TCP' }]),
      svc('super-ipv6', '2001:DB8::', [
        { name: 'u-d-p', port: 8084, protocol: 'UDP' },
        { name: 't-c-p', port: 8084, protocol: 'TCP' },
      ]),
      svc('sctp-1', '1.2.3.4', [{ port: 777, protocol: 'SCTP' }]),
    ]);
    expect(vars.map((v) => [v.name, v.value])).toEqual([
      ['FOO_BAR_SERVICE_HOST', '1.2.3.4'],
      ['FOO_BAR_SERVICE_PORT', '8080'],
      ['FOO_BAR_PORT', 'tcp://1.2.3.4:8080'],
      ['FOO_BAR_PORT_8080_TCP', 'tcp://1.2.3.4:8080'],
      ['FOO_BAR_PORT_8080_TCP_PROTO', 'tcp'],
      ['FOO_BAR_PORT_8080_TCP_PORT', '8080'],
      ['FOO_BAR_PORT_8080_TCP_ADDR', '1.2.3.4'],
      ['ABC_123_SERVICE_HOST', '5.6.7.8'],
      ['ABC_123_SERVICE_PORT', '8081'],
      ['ABC_123_SERVICE_PORT_U_D_P', '8081'],
      ['ABC_123_SERVICE_PORT_T_C_P', '8081'],
      ['ABC_123_PORT', 'udp://5.6.7.8:8081'],
      ['ABC_123_PORT_8081_UDP', 'udp://5.6.7.8:8081'],
      ['ABC_123_PORT_8081_UDP_PROTO', 'udp'],
      ['ABC_123_PORT_8081_UDP_PORT', '8081'],
      ['ABC_123_PORT_8081_UDP_ADDR', '5.6.7.8'],
      ['ABC_123_PORT_8081_TCP', 'tcp://5.6.7.8:8081'],
      ['ABC_123_PORT_8081_TCP_PROTO', 'tcp'],
      ['ABC_123_PORT_8081_TCP_PORT', '8081'],
      ['ABC_123_PORT_8081_TCP_ADDR', '5.6.7.8'],
      ['Q_U_U_X_SERVICE_HOST', '9.8.7.6'],
      ['Q_U_U_X_SERVICE_PORT', '8082'],
      ['Q_U_U_X_SERVICE_PORT_8083', '8083'],
      ['Q_U_U_X_PORT', 'tcp://9.8.7.6:8082'],
      ['Q_U_U_X_PORT_8082_TCP', 'tcp://9.8.7.6:8082'],
      ['Q_U_U_X_PORT_8082_TCP_PROTO', 'tcp'],
      ['Q_U_U_X_PORT_8082_TCP_PORT', '8082'],
      ['Q_U_U_X_PORT_8082_TCP_ADDR', '9.8.7.6'],
      ['Q_U_U_X_PORT_8083_TCP', 'tcp://9.8.7.6:8083'],
      ['Q_U_U_X_PORT_8083_TCP_PROTO', 'tcp'],
      ['Q_U_U_X_PORT_8083_TCP_PORT', '8083'],
      ['Q_U_U_X_PORT_8083_TCP_ADDR', '9.8.7.6'],
      ['SUPER_IPV6_SERVICE_HOST', '2001:DB8::'],
      ['SUPER_IPV6_SERVICE_PORT', '8084'],
      ['SUPER_IPV6_SERVICE_PORT_U_D_P', '8084'],
      ['SUPER_IPV6_SERVICE_PORT_T_C_P', '8084'],
      ['SUPER_IPV6_PORT', 'udp://[2001:DB8::]:8084'],
      ['SUPER_IPV6_PORT_8084_UDP', 'udp://[2001:DB8::]:8084'],
      ['SUPER_IPV6_PORT_8084_UDP_PROTO', 'udp'],
      ['SUPER_IPV6_PORT_8084_UDP_PORT', '8084'],
      ['SUPER_IPV6_PORT_8084_UDP_ADDR', '2001:DB8::'],
      ['SUPER_IPV6_PORT_8084_TCP', 'tcp://[2001:DB8::]:8084'],
      ['SUPER_IPV6_PORT_8084_TCP_PROTO', 'tcp'],
      ['SUPER_IPV6_PORT_8084_TCP_PORT', '8084'],
      ['SUPER_IPV6_PORT_8084_TCP_ADDR', '2001:DB8::'],
      ['SCTP_1_SERVICE_HOST', '1.2.3.4'],
      ['SCTP_1_SERVICE_PORT', '777'],
      ['SCTP_1_PORT', 'sctp://1.2.3.4:777'],
      ['SCTP_1_PORT_777_SCTP', 'sctp://1.2.3.4:777'],
      ['SCTP_1_PORT_777_SCTP_PROTO', 'sctp'],
      ['SCTP_1_PORT_777_SCTP_PORT', '777'],
      ['SCTP_1_PORT_777_SCTP_ADDR', '1.2.3.4'],
    ]);
  });

  it('defaults the protocol to TCP, brackets IPv6 in URLs and skips ExternalName', () => {
    const env = serviceEnvironment([
      svc('redis-master', '10.0.0.11', [{ port: 6379 }]),
      svc('v6', 'fd00::1', [{ port: 80 }]),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } },
    ]);
    expect(env).toMatchObject({
      REDIS_MASTER_SERVICE_HOST: '10.0.0.11',
      REDIS_MASTER_SERVICE_PORT: '6379',
      REDIS_MASTER_PORT: 'tcp://10.0.0.11:6379',
      REDIS_MASTER_PORT_6379_TCP: 'tcp://10.0.0.11:6379',
      REDIS_MASTER_PORT_6379_TCP_PROTO: 'tcp',
      REDIS_MASTER_PORT_6379_TCP_PORT: '6379',
      REDIS_MASTER_PORT_6379_TCP_ADDR: '10.0.0.11',
      V6_PORT: 'tcp://[fd00::1]:80',
    });
    expect(Object.keys(env).some((k) => k.startsWith('DB_'))).toBe(false);
  });

  it('names', () => {
    expect(envVariableName('my-svc')).toBe('MY_SVC');
    expect(envVariableName('8083')).toBe('8083');
  });
});

describe('podServiceEnvironment (kubelet getServiceEnvVarMap)', () => {
  const services = [
    svc('kubernetes', '10.96.0.1', [{ name: 'https', port: 443 }]),
    svc('web', '10.96.0.20', [{ port: 80 }], 'shop'),
    svc('web', '10.96.0.30', [{ port: 80 }], 'other'),
    svc('kubernetes', '10.96.0.99', [{ port: 8443 }], 'shop'),
  ];
  it('sees its own namespace and the master service; its namespace wins a name clash', () => {
    const env = podServiceEnvironment({ metadata: { name: 'p', namespace: 'shop' } }, services);
    expect(env.WEB_SERVICE_HOST).toBe('10.96.0.20');
    expect(env.KUBERNETES_SERVICE_HOST).toBe('10.96.0.99');
    const other = podServiceEnvironment({ metadata: { name: 'p', namespace: 'default' } }, services);
    expect(other.KUBERNETES_SERVICE_HOST).toBe('10.96.0.1');
    expect(other.KUBERNETES_SERVICE_PORT_HTTPS).toBe('443');
    expect(other.WEB_SERVICE_HOST).toBeUndefined();
  });
  it('enableServiceLinks: false leaves only the master service', () => {
    const env = podServiceEnvironment({ metadata: { name: 'p', namespace: 'shop' }, spec: { containers: [], enableServiceLinks: false } }, services);
    expect(Object.keys(env).filter((k) => k.endsWith('_SERVICE_HOST'))).toEqual(['KUBERNETES_SERVICE_HOST']);
    expect(env.KUBERNETES_SERVICE_HOST).toBe('10.96.0.1');
  });
});
