// ValidateLoadBalancerStatus (pkg/apis/core/validation/validation.go), which the API server runs on a
// write to the status subresource (ValidateServiceStatusUpdate): the only way a status reaches a
// stored Service, since create and update reset it (the REST strategies' PrepareForCreate/Update).
import type { LoadBalancerStatus, Service } from 'kubernetes-types/core/v1.js';
import { FieldPath, forbidden, invalid, notSupported, type FieldError } from '../fieldErrors.js';
import { parseIP } from '../net/index.js';
import { isValidIP, validateNonSpecialIP } from './ipRules.js';
import { isDNS1123Subdomain } from './names.js';

const SUPPORTED_IP_MODES = ['Proxy', 'VIP'];

/**
 * The errors of `status` (a Service's status.loadBalancer) for a Service whose spec is `spec`:
 * ingress points only on `type: LoadBalancer` (upstream's Forbidden, as with the
 * AllowServiceLBStatusOnNonLB gate off, its default), each `ip` a strictly parsed address, each
 * `hostname` a DNS subdomain that is not an address, `ipMode` VIP or Proxy and only beside an ip.
 *
 * svcnet addition: an ingress ip may not be unspecified, loopback or link-local either (worded as
 * ValidateNonSpecialIP). Every node programs these addresses as its own destinations, so such a
 * value would capture the node's localhost or its metadata service (169.254.169.254).
 */
export function validateLoadBalancerStatus(status: LoadBalancerStatus | undefined, spec: Service['spec'], path: FieldPath = FieldPath.root('status').child('loadBalancer')): FieldError[] {
  const ingress = Array.isArray(status?.ingress) ? status.ingress : [];
  const ingressPath = path.child('ingress');
  if (ingress.length === 0) return [];
  if (spec?.type !== 'LoadBalancer') return [forbidden(ingressPath, "may only be used when `spec.type` is 'LoadBalancer'")];
  const errs: FieldError[] = [];
  ingress.forEach((point, i) => {
    const at = ingressPath.index(i);
    const ip = point?.ip;
    if (ip) {
      const ipErrs = isValidIP(at.child('ip'), ip);
      errs.push(...(ipErrs.length ? ipErrs : validateNonSpecialIP(at.child('ip'), ip)));
    }
    const mode = point?.ipMode;
    if (mode !== undefined && mode !== null) {
      if (!ip) errs.push(forbidden(at.child('ipMode'), 'may not be specified when `ip` is not set'));
      else if (!SUPPORTED_IP_MODES.includes(mode)) errs.push(notSupported(at.child('ipMode'), mode, SUPPORTED_IP_MODES));
    }
    const hostname = point?.hostname;
    if (hostname) {
      for (const m of isDNS1123Subdomain(hostname)) errs.push(invalid(at.child('hostname'), hostname, m));
      if (parseIP(hostname)) errs.push(invalid(at.child('hostname'), hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

/** ValidateServiceStatusUpdate's status part: the load balancer status against the Service's own spec. */
export function validateServiceStatus(svc: Service): FieldError[] {
  return validateLoadBalancerStatus(svc.status?.loadBalancer, svc.spec);
}
