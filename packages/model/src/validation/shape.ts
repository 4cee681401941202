// The JSON shape of the fields svcnet reads, checked before defaulting and validation. The API server
// rejects such input while decoding (`cannot unmarshal string into ... of type int32`); here it becomes a
// field error so a manifest with `port: "80"` or `ports: {}` gets a clear answer instead of a crash.
// null counts as absent, as in Go's decoding; fields not listed here are not checked.
// A null *element* of a list is refused (`spec.ports[0]: Required value`): Go's decoder turns it into
// the element's zero value, which the API server's validation then refuses where a field must be set
// (a Service port 0: `spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive`);
// svcnet has no zero-value decoding, and every reader of a list dereferences its elements, so the
// element itself is required here.
import { FieldPath, required, typeInvalid, type FieldError } from '../fieldErrors.js';
import type { Kind } from '../objects.js';

type Shape = 'string' | 'int' | 'bool' | 'intOrString' | 'stringMap' | 'object' | { obj: Record<string, Shape> } | { list: Shape };

const list = (s: Shape): Shape => ({ list: s });
const obj = (fields: Record<string, Shape>): Shape => ({ obj: fields });

const META = obj({
  name: 'string',
  generateName: 'string',
  namespace: 'string',
  uid: 'string',
  resourceVersion: 'string',
  generation: 'int',
  labels: 'stringMap',
  annotations: 'stringMap',
  finalizers: list('string'),
  ownerReferences: list(obj({ apiVersion: 'string', kind: 'string', name: 'string', uid: 'string', controller: 'bool' })),
});

// LoadBalancerStatus (Service) and IngressLoadBalancerStatus share this shape; proxies program the ips.
const LOAD_BALANCER_STATUS = obj({
  ingress: list(obj({ ip: 'string', hostname: 'string', ipMode: 'string', ports: list(obj({ port: 'int', protocol: 'string', error: 'string' })) })),
});
const SERVICE_PORT = obj({ name: 'string', protocol: 'string', appProtocol: 'string', port: 'int', targetPort: 'intOrString', nodePort: 'int' });
const SERVICE = {
  spec: obj({
    type: 'string',
    ports: list(SERVICE_PORT),
    selector: 'stringMap',
    clusterIP: 'string',
    clusterIPs: list('string'),
    ipFamilies: list('string'),
    ipFamilyPolicy: 'string',
    externalIPs: list('string'),
    externalName: 'string',
    sessionAffinity: 'string',
    sessionAffinityConfig: obj({ clientIP: obj({ timeoutSeconds: 'int' }) }),
    loadBalancerIP: 'string',
    loadBalancerSourceRanges: list('string'),
    loadBalancerClass: 'string',
    externalTrafficPolicy: 'string',
    internalTrafficPolicy: 'string',
    healthCheckNodePort: 'int',
    allocateLoadBalancerNodePorts: 'bool',
    publishNotReadyAddresses: 'bool',
    trafficDistribution: 'string',
  }),
  status: obj({ loadBalancer: LOAD_BALANCER_STATUS, conditions: list('object') }),
} satisfies Record<string, Shape>;

const ENDPOINT_ADDRESS = obj({ ip: 'string', hostname: 'string', nodeName: 'string', targetRef: 'object' });
const ENDPOINT_PORT = obj({ name: 'string', port: 'int', protocol: 'string', appProtocol: 'string' });
const ENDPOINTS = { subsets: list(obj({ addresses: list(ENDPOINT_ADDRESS), notReadyAddresses: list(ENDPOINT_ADDRESS), ports: list(ENDPOINT_PORT) })) };

const ENDPOINT_SLICE = {
  addressType: 'string',
  endpoints: list(
    obj({
      addresses: list('string'),
      conditions: obj({ ready: 'bool', serving: 'bool', terminating: 'bool' }),
      hostname: 'string',
      nodeName: 'string',
      zone: 'string',
      targetRef: 'object',
      deprecatedTopology: 'stringMap',
      hints: obj({ forZones: list(obj({ name: 'string' })) }),
    }),
  ),
  ports: list(ENDPOINT_PORT),
} satisfies Record<string, Shape>;

const CONTAINER = obj({
  name: 'string',
  image: 'string',
  ports: list(obj({ name: 'string', containerPort: 'int', hostPort: 'int', hostIP: 'string', protocol: 'string' })),
});
const POD = {
  spec: obj({ containers: list(CONTAINER), initContainers: list(CONTAINER), hostNetwork: 'bool', nodeName: 'string', hostname: 'string', subdomain: 'string' }),
  status: obj({ phase: 'string', podIP: 'string', podIPs: list(obj({ ip: 'string' })), hostIP: 'string', conditions: list('object') }),
} satisfies Record<string, Shape>;

const NODE = {
  spec: obj({ podCIDR: 'string', podCIDRs: list('string'), unschedulable: 'bool' }),
  status: obj({ addresses: list(obj({ type: 'string', address: 'string' })), conditions: list('object') }),
} satisfies Record<string, Shape>;

const SECRET = { type: 'string', data: 'stringMap', stringData: 'stringMap', immutable: 'bool' } satisfies Record<string, Shape>;

const BACKEND = obj({ service: obj({ name: 'string', port: obj({ name: 'string', number: 'int' }) }), resource: obj({ apiGroup: 'string', kind: 'string', name: 'string' }) });
const INGRESS = {
  spec: obj({
    ingressClassName: 'string',
    defaultBackend: BACKEND,
    rules: list(obj({ host: 'string', http: obj({ paths: list(obj({ path: 'string', pathType: 'string', backend: BACKEND })) }) })),
    tls: list(obj({ hosts: list('string'), secretName: 'string' })),
  }),
  status: obj({ loadBalancer: LOAD_BALANCER_STATUS }),
} satisfies Record<string, Shape>;

const INGRESS_CLASS = {
  spec: obj({ controller: 'string', parameters: obj({ apiGroup: 'string', kind: 'string', name: 'string', scope: 'string', namespace: 'string' }) }),
} satisfies Record<string, Shape>;

const SHAPES: Record<Kind, Record<string, Shape>> = {
  Service: SERVICE,
  Endpoints: ENDPOINTS,
  EndpointSlice: ENDPOINT_SLICE,
  Pod: POD,
  Node: NODE,
  Secret: SECRET,
  Ingress: INGRESS,
  IngressClass: INGRESS_CLASS,
};

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Where a value sits: a chain of names turned into a FieldPath only when an error is reported. Most
 * fields are absent or right, so the happy path builds no path text at all.
 */
type At = { readonly parent: At | undefined; readonly name: string | number };

function pathOf(at: At): FieldPath {
  if (at.parent === undefined) return FieldPath.root(at.name as string);
  const parent = pathOf(at.parent);
  return typeof at.name === 'number' ? parent.index(at.name) : parent.child(at.name);
}

function check(value: unknown, shape: Shape, at: At, errs: FieldError[]): void {
  if (value === null || value === undefined) return;
  if (shape === 'string') {
    if (typeof value !== 'string') errs.push(typeInvalid(pathOf(at), value, 'must be a string'));
  } else if (shape === 'int') {
    if (typeof value !== 'number' || !Number.isInteger(value)) errs.push(typeInvalid(pathOf(at), value, 'must be an integer'));
  } else if (shape === 'bool') {
    if (typeof value !== 'boolean') errs.push(typeInvalid(pathOf(at), value, 'must be a boolean'));
  } else if (shape === 'intOrString') {
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) {
      errs.push(typeInvalid(pathOf(at), value, 'must be an integer or a string'));
    }
  } else if (shape === 'stringMap') {
    if (!isPlainObject(value)) errs.push(typeInvalid(pathOf(at), value, 'must be a map of strings'));
    else {
      for (const k in value) {
        if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
        const v = value[k];
        if (typeof v !== 'string' && v !== null) errs.push(typeInvalid(pathOf(at).key(k), v, 'must be a string'));
      }
    }
  } else if (shape === 'object') {
    if (!isPlainObject(value)) errs.push(typeInvalid(pathOf(at), value, 'must be an object'));
  } else if ('list' in shape) {
    if (!Array.isArray(value)) errs.push(typeInvalid(pathOf(at), value, 'must be a list'));
    else {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (item === null || item === undefined) errs.push(required(pathOf({ parent: at, name: i })));
        else check(item, shape.list, { parent: at, name: i }, errs);
      }
    }
  } else if (!isPlainObject(value)) {
    errs.push(typeInvalid(pathOf(at), value, 'must be an object'));
  } else {
    const fields = shape.obj;
    for (const k in fields) {
      const v = value[k];
      if (v !== null && v !== undefined) check(v, fields[k]!, { parent: at, name: k }, errs);
    }
  }
}

const SHAPE_ENTRIES = Object.fromEntries(Object.entries(SHAPES).map(([k, v]) => [k, Object.entries(v)])) as Record<Kind, [string, Shape][]>;

/** Type errors of the fields of `obj` that svcnet reads, for a known kind. Empty when the shape is right. */
export function shapeErrors(kind: Kind, obj: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  check(obj.metadata, META, { parent: undefined, name: 'metadata' }, errs);
  for (const [field, s] of SHAPE_ENTRIES[kind]) check(obj[field], s, { parent: undefined, name: field }, errs);
  return errs;
}
