// ValidateServiceClusterIPsRelatedFields and the dual-stack upgrade/downgrade rules on update
// (pkg/apis/core/validation/validation.go), for .spec.clusterIP(s), .spec.ipFamilies, .spec.ipFamilyPolicy.
import type { Service, ServiceSpec } from 'kubernetes-types/core/v1.js';
import { FieldPath, duplicate, invalid, notSupported, required, type FieldError } from '../fieldErrors.js';
import { goIPFamily, isDualStack, isValidIP } from './ipRules.js';

const SUPPORTED_IP_FAMILIES = ['IPv4', 'IPv6'];
const SUPPORTED_IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];

const spec = (svc: Service | undefined): ServiceSpec => (svc?.spec ?? {}) as ServiceSpec;
const list = <T>(v: T[] | undefined): T[] => (Array.isArray(v) ? v : []);

/** Headless means clusterIPs is exactly ["None"] (after ClusterIP/ClusterIPs normalization). */
export function isHeadlessService(svc: Service | undefined): boolean {
  const ips = list(spec(svc).clusterIPs);
  return ips.length === 1 && ips[0] === 'None';
}

export function validateServiceClusterIPsRelatedFields(svc: Service): FieldError[] {
  const s = spec(svc);
  // ExternalName services had all of these checked as "must be unset" already.
  if (s.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const specPath = FieldPath.root('spec');
  const clusterIPsPath = specPath.child('clusterIPs');
  const ipFamiliesPath = specPath.child('ipFamilies');
  const clusterIPs = list(s.clusterIPs);
  const families = list(s.ipFamilies);

  // clusterIP and clusterIPs[0] must agree (setDefaults copies the singular into the plural).
  if (s.clusterIP) {
    if (clusterIPs.length === 0) errs.push(required(clusterIPsPath));
    else if (clusterIPs[0] !== s.clusterIP) errs.push(invalid(clusterIPsPath, clusterIPs, 'first value must match `clusterIP`'));
  } else if (clusterIPs.length !== 0) {
    errs.push(invalid(clusterIPsPath, clusterIPs, 'must be empty when `clusterIP` is not specified'));
  }

  const seen = new Set<string>();
  families.forEach((f, i) => {
    if (!SUPPORTED_IP_FAMILIES.includes(f)) errs.push(notSupported(ipFamiliesPath.index(i), f, SUPPORTED_IP_FAMILIES));
    if (seen.has(f)) errs.push(duplicate(ipFamiliesPath.index(i), f));
    seen.add(f);
  });

  if (s.ipFamilyPolicy !== undefined && s.ipFamilyPolicy !== null && !SUPPORTED_IP_FAMILY_POLICIES.includes(s.ipFamilyPolicy)) {
    errs.push(notSupported(specPath.child('ipFamilyPolicy'), s.ipFamilyPolicy, SUPPORTED_IP_FAMILY_POLICIES));
  }

  let hasInvalidIPs = false;
  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (clusterIPs.length > 1) {
        hasInvalidIPs = true;
        errs.push(invalid(clusterIPsPath, clusterIPs, "'None' must be the first and only value"));
      }
      return;
    }
    const ipErrs = isValidIP(clusterIPsPath.index(i), ip);
    if (ipErrs.length) hasInvalidIPs = true;
    errs.push(...ipErrs);
  });

  if (clusterIPs.length > 2) errs.push(invalid(clusterIPsPath, clusterIPs, 'may only hold up to 2 values'));
  // Further checks would only restate errors about addresses that are already wrong.
  if (hasInvalidIPs) return errs;

  if (clusterIPs.length > 1 && !isDualStack(clusterIPs)) {
    errs.push(invalid(clusterIPsPath, clusterIPs, 'may specify no more than one IP for each IP family'));
  }

  if (!isHeadlessService(svc) && clusterIPs.length > 0 && families.length > 0) {
    clusterIPs.forEach((ip, i) => {
      if (i > families.length - 1) return;
      const v6 = goIPFamily(ip) === 'IPv6';
      if (families[i] === 'IPv4' && v6) {
        errs.push(invalid(clusterIPsPath.index(i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      }
      if (families[i] === 'IPv6' && !v6) {
        errs.push(invalid(clusterIPsPath.index(i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
      }
    });
  }
  return errs;
}

/** validateUpgradeDowngradeClusterIPs: the primary clusterIP never changes; releasing the secondary needs SingleStack. */
export function validateUpgradeDowngradeClusterIPs(old: Service, svc: Service): FieldError[] {
  const o = spec(old);
  const n = spec(svc);
  if (n.type === 'ExternalName' || o.type === 'ExternalName') return [];
  if (isHeadlessService(old) && isHeadlessService(svc)) return [];
  const errs: FieldError[] = [];
  const path = FieldPath.root('spec').child('clusterIPs');
  const oldIPs = list(o.clusterIPs);
  const newIPs = list(n.clusterIPs);
  if (oldIPs.length === newIPs.length) {
    oldIPs.forEach((ip, i) => {
      if (ip !== newIPs[i]) errs.push(invalid(path.index(i), newIPs, 'may not change once set'));
    });
  } else if (oldIPs.length > newIPs.length) {
    if (newIPs.length === 0) errs.push(invalid(path.index(0), newIPs, 'primary clusterIP can not be unset'));
    if (oldIPs.length > 0 && newIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
      errs.push(invalid(path.index(0), newIPs, 'may not change once set'));
    }
    if (newIPs.length === 1 && n.ipFamilyPolicy !== 'SingleStack') {
      errs.push(invalid('spec.ipFamilyPolicy', n.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
    }
  } else if (oldIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
    errs.push(invalid(path.index(0), newIPs, 'may not change once set'));
  }
  return errs;
}

/** validateUpgradeDowngradeIPFamilies: the primary family never changes (headless services excepted). */
export function validateUpgradeDowngradeIPFamilies(old: Service, svc: Service): FieldError[] {
  const o = spec(old);
  const n = spec(svc);
  if (n.type === 'ExternalName' || o.type === 'ExternalName') return [];
  if (isHeadlessService(old) !== isHeadlessService(svc) || isHeadlessService(svc)) return [];
  const errs: FieldError[] = [];
  const path = FieldPath.root('spec').child('ipFamilies').index(0);
  const oldF = list(o.ipFamilies);
  const newF = list(n.ipFamilies);
  if (oldF.length === newF.length) {
    oldF.forEach((f, i) => {
      if (f !== newF[i]) errs.push(invalid(path, newF, 'may not change once set'));
    });
  } else if (oldF.length > newF.length) {
    if (list(n.clusterIPs).length === 0) errs.push(invalid(path, newF, 'primary ipFamily can not be unset'));
    if (newF.length > 0 && newF[0] !== oldF[0]) errs.push(invalid(path, list(n.clusterIPs), 'may not change once set'));
    if (newF.length === 1 && n.ipFamilyPolicy !== 'SingleStack') {
      errs.push(invalid('spec.ipFamilyPolicy', n.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"));
    }
  } else if (oldF.length > 0 && newF.length > 0 && newF[0] !== oldF[0]) {
    errs.push(invalid(path, list(n.clusterIPs), 'may not change once set'));
  }
  return errs;
}
