import type { Endpoints, Node, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';

export type { Endpoints, Node, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
export type {
  EndpointAddress,
  EndpointPort as CoreEndpointPort,
  EndpointSubset,
  NodeSpec,
  NodeStatus,
  PodSpec,
  PodStatus,
  ServicePort,
  ServiceSpec,
  ServiceStatus,
  LoadBalancerIngress,
} from 'kubernetes-types/core/v1.js';
export type { Endpoint, EndpointConditions, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
export type { LabelSelector, LabelSelectorRequirement, ObjectMeta } from 'kubernetes-types/meta/v1.js';
export type {
  HTTPIngressPath,
  Ingress,
  IngressBackend,
  IngressClass,
  IngressRule,
  IngressServiceBackend,
  IngressSpec,
  IngressTLS,
} from 'kubernetes-types/networking/v1.js';
export type { Deployment, StatefulSet } from 'kubernetes-types/apps/v1.js';

/** The kinds svcnet stores, with the apiVersion each is served under. */
export const API_VERSIONS = {
  Service: 'v1',
  Endpoints: 'v1',
  Pod: 'v1',
  Secret: 'v1',
  Node: 'v1',
  EndpointSlice: 'discovery.k8s.io/v1',
  Ingress: 'networking.k8s.io/v1',
  IngressClass: 'networking.k8s.io/v1',
} as const;

export type Kind = keyof typeof API_VERSIONS;
export const KINDS = Object.keys(API_VERSIONS) as Kind[];

/** Kinds whose objects live in a namespace (Node and IngressClass are cluster-scoped). */
export const NAMESPACED: Readonly<Record<Kind, boolean>> = {
  Service: true,
  Endpoints: true,
  Pod: true,
  Secret: true,
  EndpointSlice: true,
  Ingress: true,
  Node: false,
  IngressClass: false,
};

export interface ObjectOfKind {
  Service: Service;
  Endpoints: Endpoints;
  Pod: Pod;
  Secret: Secret;
  Node: Node;
  EndpointSlice: EndpointSlice;
  Ingress: Ingress;
  IngressClass: IngressClass;
}

export type KubeObject = ObjectOfKind[Kind];

/** Any object with apiVersion/kind/metadata, as read from a manifest before its kind is known. */
export interface AnyObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

export function isKind(kind: unknown): kind is Kind {
  return typeof kind === 'string' && Object.prototype.hasOwnProperty.call(API_VERSIONS, kind);
}

/**
 * metav1.NewControllerRef: the ownerReference a controller puts on an object it makes for `owner`
 * (the EndpointSlice controller for a Service, the mirroring controller for an Endpoints).
 */
export function controllerRef(kind: Kind, owner: { metadata?: ObjectMeta }) {
  return {
    apiVersion: API_VERSIONS[kind],
    kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** `namespace/name` for namespaced kinds, `name` for cluster-scoped ones (as client-go's cache keys). */
export function objectKey(obj: { kind?: string; metadata?: ObjectMeta }): string {
  const name = obj.metadata?.name ?? '';
  const ns = obj.metadata?.namespace;
  return isKind(obj.kind) && !NAMESPACED[obj.kind] ? name : `${ns ?? 'default'}/${name}`;
}
