// Ingress and IngressClass validation (pkg/apis/networking/validation/validation.go).
import type { HTTPIngressPath, Ingress, IngressBackend, IngressClass, IngressRule } from 'kubernetes-types/networking/v1.js';
import { FieldPath, forbidden, invalid, notSupported, required, tooLong, type FieldError } from '../fieldErrors.js';
import { goIPFamily } from './ipRules.js';
import {
  isDNS1123Subdomain,
  isPathSegmentName,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  regexError,
} from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './objectMeta.js';
import { ANNOTATION_INGRESS_CLASS } from '../wellKnown.js';

const SUPPORTED_PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];
const MAX_LEN_CONTROLLER = 250;

const arr = <T>(v: T[] | undefined | null): T[] => (Array.isArray(v) ? v : []);

/** Host rules: a DNS subdomain or `*.` plus one; never an IP address. */
function validateHost(host: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (goIPFamily(host)) errs.push(invalid(path, host, 'must be a DNS name, not an IP address'));
  const msgs = host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
  for (const m of msgs) errs.push(invalid(path, host, m));
  return errs;
}

function validateBackend(b: IngressBackend | undefined, path: FieldPath): FieldError[] {
  const hasResource = !!b?.resource;
  const hasService = !!b?.service;
  if (hasResource && hasService) return [invalid(path, '', 'cannot set both resource and service backends')];
  const errs: FieldError[] = [];
  if (hasResource) {
    const r = b!.resource!;
    const rp = path.child('resource');
    if (r.apiGroup !== undefined && r.apiGroup !== null) for (const m of isDNS1123Subdomain(r.apiGroup)) errs.push(invalid(rp.child('apiGroup'), r.apiGroup, m));
    for (const f of ['kind', 'name'] as const) {
      if (!r[f]) errs.push(required(rp.child(f)));
      else for (const m of isPathSegmentName(r[f])) errs.push(invalid(rp.child(f), r[f], m));
    }
  } else if (hasService) {
    const s = b!.service!;
    if (!s.name) errs.push(required(path.child('service', 'name')));
    else for (const m of nameIsDNS1035Label(s.name, false)) errs.push(invalid(path.child('service', 'name'), s.name, m));
    const portName = s.port?.name ?? '';
    const portNumber = s.port?.number ?? 0;
    if (portName && portNumber) errs.push(invalid(path, '', 'cannot set both port name & port number'));
    else if (portName) for (const m of isValidPortName(portName)) errs.push(invalid(path.child('service', 'port', 'name'), portName, m));
    else if (portNumber) for (const m of isValidPortNum(portNumber)) errs.push(invalid(path.child('service', 'port', 'number'), portNumber, m));
    else errs.push(required(path, 'port name or number is required'));
  } else {
    errs.push(invalid(path, '', 'resource or service backend is required'));
  }
  return errs;
}

/** validateHTTPIngressPath: pathType is required; Exact and Prefix paths are absolute and free of `//`, `/../`, ... */
function validatePath(p: HTTPIngressPath, path: FieldPath): FieldError[] {
  if (!p?.pathType) return [required(path.child('pathType'), 'pathType must be specified')];
  const errs: FieldError[] = [];
  const text = typeof p.path === 'string' ? p.path : '';
  switch (p.pathType) {
    case 'Exact':
    case 'Prefix':
      if (!text.startsWith('/')) errs.push(invalid(path.child('path'), text, 'must be an absolute path'));
      if (text.length > 0) {
        for (const seq of INVALID_PATH_SEQUENCES) if (text.includes(seq)) errs.push(invalid(path.child('path'), text, `must not contain '${seq}'`));
        for (const suf of INVALID_PATH_SUFFIXES) if (text.endsWith(suf)) errs.push(invalid(path.child('path'), text, `cannot end with '${suf}'`));
      }
      break;
    case 'ImplementationSpecific':
      if (text.length > 0 && !text.startsWith('/')) errs.push(invalid(path.child('path'), text, 'must be an absolute path'));
      break;
    default:
      errs.push(notSupported(path.child('pathType'), p.pathType, SUPPORTED_PATH_TYPES));
  }
  errs.push(...validateBackend(p.backend, path.child('backend')));
  return errs;
}

function validateRule(rule: IngressRule, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (rule?.host) errs.push(...validateHost(rule.host, path.child('host')));
  if (rule?.http) {
    const paths = arr(rule.http.paths);
    const pp = path.child('http', 'paths');
    if (paths.length === 0) errs.push(required(pp));
    paths.forEach((p, i) => errs.push(...validatePath(p, pp.index(i))));
  }
  return errs;
}

/** ValidateIngressCreate (or ValidateIngressUpdate with `old`): every error of the Ingress at once. */
export function validateIngress(ing: Ingress, old?: Ingress): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(ing.metadata, old.metadata) : [];
  errs.push(...validateObjectMeta(ing.metadata, true, nameIsDNSSubdomain, 'metadata'));
  const spec = ing.spec ?? {};
  const sp = FieldPath.root('spec');
  const rules = arr(spec.rules);
  if (rules.length === 0 && !spec.defaultBackend) errs.push(invalid(sp, rules, 'either `defaultBackend` or `rules` must be specified'));
  if (spec.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, sp.child('defaultBackend')));
  rules.forEach((r, i) => errs.push(...validateRule(r, sp.child('rules').index(i))));
  arr(spec.tls).forEach((t, i) => {
    const tp = sp.child('tls').index(i);
    arr(t?.hosts).forEach((h, j) => {
      const msgs = h.includes('*') ? isWildcardDNS1123Subdomain(h) : isDNS1123Subdomain(h);
      for (const m of msgs) errs.push(invalid(tp.child('hosts').index(j), h, m));
    });
    if (t?.secretName) for (const m of nameIsDNSSubdomain(t.secretName, false)) errs.push(invalid(tp.child('secretName'), t.secretName, m));
  });
  if (spec.ingressClassName !== undefined && spec.ingressClassName !== null) {
    for (const m of nameIsDNSSubdomain(spec.ingressClassName, false)) errs.push(invalid(sp.child('ingressClassName'), spec.ingressClassName, m));
  }
  const annotation = ing.metadata?.annotations?.[ANNOTATION_INGRESS_CLASS];
  if (!old && annotation !== undefined && spec.ingressClassName && annotation !== spec.ingressClassName) {
    // Upstream's path for this one is `annotations.kubernetes.io/ingress.class` (no metadata prefix).
    errs.push(invalid(FieldPath.root('annotations').child(ANNOTATION_INGRESS_CLASS), annotation, 'must match `ingressClassName` when both are specified'));
  }
  return errs;
}

const DOMAIN_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const DOMAIN_PATH_RE = new RegExp(`^${DOMAIN_PATH_FMT}$`);

/** IsDomainPrefixedPath: `example.com/ingress-controller`. */
function isDomainPrefixedPath(path: FieldPath, value: string): FieldError[] {
  if (!value) return [required(path)];
  const slash = value.indexOf('/');
  const host = slash < 0 ? value : value.slice(0, slash);
  const rest = slash < 0 ? '' : value.slice(slash + 1);
  if (slash < 0 || !host || !rest) return [invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const errs = isDNS1123Subdomain(host).map((m) => invalid(path, host, m));
  if (!DOMAIN_PATH_RE.test(rest)) errs.push(invalid(path, rest, regexError('Invalid path', DOMAIN_PATH_FMT)));
  return errs;
}

/** ValidateIngressClass (and the immutable controller on update). */
export function validateIngressClass(ic: IngressClass, old?: IngressClass): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(ic.metadata, old.metadata) : [];
  errs.push(...validateObjectMeta(ic.metadata, false, nameIsDNSSubdomain, 'metadata'));
  const sp = FieldPath.root('spec');
  const controller = ic.spec?.controller ?? '';
  if (!controller) errs.push(required(sp.child('controller')));
  else {
    if (controller.length > MAX_LEN_CONTROLLER) errs.push(tooLong(sp.child('controller'), '', MAX_LEN_CONTROLLER));
    errs.push(...isDomainPrefixedPath(sp.child('controller'), controller));
  }
  if (old && (old.spec?.controller ?? '') !== controller) errs.push(invalid(sp.child('controller'), controller, 'field is immutable'));
  const params = ic.spec?.parameters;
  if (params) {
    const pp = sp.child('parameters');
    if (params.apiGroup !== undefined && params.apiGroup !== null) {
      for (const m of isDNS1123Subdomain(params.apiGroup)) errs.push(invalid(pp.child('apiGroup'), params.apiGroup, m));
    }
    for (const f of ['kind', 'name'] as const) {
      if (!params[f]) errs.push(required(pp.child(f)));
      else for (const m of isPathSegmentName(params[f])) errs.push(invalid(pp.child(f), params[f], m));
    }
    const scopes = ['Cluster', 'Namespace'];
    if (!params.scope) errs.push(required(pp.child('scope')));
    else if (!scopes.includes(params.scope)) errs.push(notSupported(pp.child('scope'), params.scope, scopes));
    else if (params.scope === 'Namespace') {
      if (params.namespace === undefined || params.namespace === null) errs.push(required(pp.child('namespace'), "`parameters.scope` is set to 'Namespace'"));
      else for (const m of nameIsDNSLabel(params.namespace, false)) errs.push(invalid(pp.child('namespace'), params.namespace, m));
    } else if (params.namespace !== undefined && params.namespace !== null) {
      errs.push(forbidden(pp.child('namespace'), "`parameters.scope` is set to 'Cluster'"));
    }
  }
  return errs;
}
