// Valid objects of several kinds stamped with a write id (see writeLog.ts).
import type { Kind, KubeObject } from '@svcnet/model';
import { WRITE_ID, type Builder } from './writeLog.js';

const ipOf = (n: number) => `10.244.${(n >> 8) & 255}.${(n & 255) || 1}`;
const num = (id: string) => Number(id.split('-').pop()) || 0;

export const BUILDERS: Readonly<Partial<Record<Kind, Builder>>> = {
  Service: (name, id) => ({
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace: 'default', annotations: { [WRITE_ID]: id } },
    spec: { selector: { app: name }, ports: [{ port: 80 + (num(id) % 100) }] },
  }),
  Pod: (name, id) => ({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'w' }, annotations: { [WRITE_ID]: id } },
    spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'x' }] },
    status: { phase: 'Running', podIP: ipOf(num(id)), conditions: [{ type: 'Ready', status: 'True' }] },
  }),
  Endpoints: (name, id) => ({
    apiVersion: 'v1', kind: 'Endpoints',
    metadata: { name, namespace: 'default', annotations: { [WRITE_ID]: id } },
    subsets: [{ addresses: [{ ip: ipOf(num(id)) }], ports: [{ port: 8080 }] }],
  }),
  Node: (name, id) => ({
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, annotations: { [WRITE_ID]: id } },
    status: { addresses: [{ type: 'InternalIP', address: ipOf(num(id)) }] },
  }),
} as Record<string, Builder>;

export type { KubeObject };
