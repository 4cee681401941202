import { describe, expect, it } from 'vitest';
import { makeService } from '../../test/fixtures.js';
import { renderIPTables } from '../iptables/iptablesRenderer.js';
import { renderIPVS } from '../ipvs/ipvsRenderer.js';
import { renderNFTService } from '../nftables/nftablesService.js';
import { proxyOptions } from './proxyOptions.js';
import { servicePortsFromService } from './serviceInfo.js';
import type { EndpointInfo, ServicePortInfo } from './types.js';
import { UnsafeRuleValueError } from './ruleValueGuard.js';

// The trackers never produce these; a ServicePortInfo built by hand around a raw object could.
const good = [...servicePortsFromService(makeService('ns', 'web', (s) => { s.spec.clusterIP = '10.96.0.10'; s.spec.ports = [{ name: 'http', port: 80 }]; }), 'IPv4').values()][0]!;
const ep: EndpointInfo = { ip: '10.244.1.2', port: 8080, endpoint: '10.244.1.2:8080', isLocal: false, ready: true, serving: true, terminating: false };
const options = proxyOptions({ nodeName: 'n1' });

const renderers: { name: string; render: (svc: ServicePortInfo, eps: EndpointInfo[]) => unknown }[] = [
  { name: 'iptables', render: (svc, eps) => renderIPTables({ family: 'IPv4', services: new Map([['k', svc]]), endpoints: new Map([['k', eps]]), options, full: true }) },
  { name: 'nftables', render: (svc, eps) => renderNFTService(svc, eps, 'IPv4', options) },
  { name: 'ipvs', render: (svc, eps) => renderIPVS({ family: 'IPv4', services: new Map([['k', svc]]), endpoints: new Map([['k', eps]]), options }) },
];

const unsafe: { name: string; svc: ServicePortInfo; eps: EndpointInfo[] }[] = [
  { name: 'a ClusterIP with a newline', svc: { ...good, clusterIP: '10.96.0.10\n-A INPUT -j ACCEPT' }, eps: [ep] },
  { name: 'an LB IP with a space', svc: { ...good, loadBalancerVIPs: ['10.0.0.1 -j ACCEPT'] }, eps: [ep] },
  { name: 'a source range with a brace', svc: { ...good, loadBalancerSourceRanges: ['10.0.0.0/8 } accept {'] }, eps: [ep] },
  { name: 'a name with a quote', svc: { ...good, nameString: 'ns/we"b:http', portName: { ...good.portName, name: 'we"b' } }, eps: [ep] },
  { name: 'a port that is a string', svc: { ...good, port: '80 -j DROP' as unknown as number }, eps: [ep] },
  { name: 'an endpoint address with a semicolon', svc: good, eps: [{ ...ep, ip: '10.244.1.2;', endpoint: '10.244.1.2;:8080' }] },
];

describe('renderers refuse values that did not come through the trackers\' checks', () => {
  for (const r of renderers) {
    it(`${r.name} renders a checked service port`, () => {
      expect(() => r.render(good, [ep])).not.toThrow();
    });
    for (const u of unsafe) {
      it(`${r.name} refuses ${u.name}`, () => {
        expect(() => r.render(u.svc, u.eps)).toThrow(UnsafeRuleValueError);
      });
    }
  }
});
