// The networking-relevant part of ValidatePod: metadata, container names and ports (validateContainerPorts),
// and status podIP/podIPs (validatePodIPs, with the endpoint address rules). Volumes, resources and security contexts are out of scope.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { FieldPath, duplicate, invalid, notSupported, required, type FieldError } from '../fieldErrors.js';
import { goIPFamily, isDualStack, isValidIP, validateNonSpecialIP } from './ipRules.js';
import { isValidPortName, isValidPortNum, nameIsDNSSubdomain } from './names.js';
import { validateDNS1123Label, validateObjectMeta, validateObjectMetaUpdate } from './objectMeta.js';
import { SUPPORTED_PORT_PROTOCOLS } from './service.js';

const arr = <T>(v: T[] | undefined | null): T[] => (Array.isArray(v) ? v : []);

function validateContainerPorts(c: Container, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  arr(c.ports).forEach((p, i) => {
    const ip = path.index(i);
    if (p?.name) {
      const msgs = isValidPortName(p.name);
      if (msgs.length) for (const m of msgs) errs.push(invalid(ip.child('name'), p.name, m));
      else if (names.has(p.name)) errs.push(duplicate(ip.child('name'), p.name));
      else names.add(p.name);
    }
    if (!p?.containerPort) errs.push(required(ip.child('containerPort')));
    else for (const m of isValidPortNum(p.containerPort)) errs.push(invalid(ip.child('containerPort'), p.containerPort, m));
    if (p?.hostPort) for (const m of isValidPortNum(p.hostPort)) errs.push(invalid(ip.child('hostPort'), p.hostPort, m));
    if (!p?.protocol) errs.push(required(ip.child('protocol')));
    else if (!SUPPORTED_PORT_PROTOCOLS.includes(p.protocol)) errs.push(notSupported(ip.child('protocol'), p.protocol, SUPPORTED_PORT_PROTOCOLS));
  });
  return errs;
}

function validateContainers(containers: Container[], path: FieldPath, names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  containers.forEach((c, i) => {
    const cp = path.index(i);
    if (!c?.name) errs.push(required(cp.child('name')));
    else {
      errs.push(...validateDNS1123Label(c.name, cp.child('name')));
      if (names.has(c.name)) errs.push(duplicate(cp.child('name'), c.name));
      names.add(c.name);
    }
    errs.push(...validateContainerPorts(c ?? {}, cp.child('ports')));
  });
  return errs;
}

/**
 * validatePodIPs, plus status.podIP itself and, as svcnet additions, the rules every endpoint
 * address obeys (ValidateNonSpecialIP: not unspecified, loopback or link-local): a Pod's IPs become
 * EndpointSlice addresses, and a Pod claiming 127.0.0.1 would turn every node's Service rules into
 * a path to that node's own localhost. podIP and podIPs[0] must agree (worded as validateHostIPs
 * words hostIP): upstream's internal Pod has only podIPs, and its v1 conversion derives them from
 * podIP, which defaulting here mirrors; a caller that validates without defaulting gets the error.
 */
function validatePodIPs(pod: Pod): FieldError[] {
  const errs: FieldError[] = [];
  const status = FieldPath.root('status');
  const path = status.child('podIPs');
  const podIP = pod.status?.podIP;
  const podIPs = arr(pod.status?.podIPs);
  const ordinaryIP = (p: FieldPath, ip: unknown) => {
    const ipErrs = isValidIP(p, ip);
    errs.push(...(ipErrs.length ? ipErrs : validateNonSpecialIP(p, ip)));
  };
  if (podIP) ordinaryIP(status.child('podIP'), podIP);
  podIPs.forEach((p, i) => ordinaryIP(path.index(i), p?.ip));
  // Compared only when podIPs[0] is an address: a malformed one already has its error.
  if (podIP && podIPs.length > 0 && goIPFamily(podIPs[0]?.ip) && podIPs[0]?.ip !== podIP) {
    errs.push(invalid(path.index(0).child('ip'), podIPs[0]?.ip, 'must be equal to `podIP`'));
  }
  if (podIPs.length > 1) {
    const ips = podIPs.map((p) => p?.ip);
    if (!isDualStack(ips) || ips.length > 2) errs.push(invalid(path, podIPs, 'may specify no more than one IP for each IP family'));
    const seen = new Set<unknown>();
    podIPs.forEach((p, i) => {
      if (seen.has(p?.ip)) errs.push(duplicate(path.index(i), p));
      seen.add(p?.ip);
    });
  }
  return errs;
}

/**
 * ValidatePod's networking part: metadata, containers (required, named, ports), and (unless
 * `checkStatus` is false) podIPs. An update of the main resource passes false: its status is the
 * stored one, not the client's (the store keeps it, as PrepareForUpdate does), and upstream's
 * ValidatePodUpdate does not look at it; ValidatePodStatusUpdate does, and so does a status write.
 */
export function validatePod(pod: Pod, old?: Pod, checkStatus = true): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(pod.metadata, old.metadata) : [];
  errs.push(...validateObjectMeta(pod.metadata, true, nameIsDNSSubdomain, 'metadata'));
  const spec = FieldPath.root('spec');
  const containers = arr(pod.spec?.containers);
  if (containers.length === 0) errs.push(required(spec.child('containers')));
  const names = new Set<string>();
  errs.push(...validateContainers(arr(pod.spec?.initContainers), spec.child('initContainers'), names));
  errs.push(...validateContainers(containers, spec.child('containers'), names));
  if (checkStatus) errs.push(...validatePodIPs(pod));
  return errs;
}
