import { describe, expect, it } from 'vitest';
import type { Pod } from '@svcnet/model';
import { writable } from '../../test/fixtures.js';
import { podChangeMatters } from './podChanges.js';

const base = (): Pod => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { namespace: 'default', name: 'p', labels: { app: 'web' }, resourceVersion: '1' },
  spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] },
  status: { phase: 'Running', podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }], conditions: [{ type: 'Ready', status: 'True' }] },
});

describe('podChangeMatters (podEndpointsChanged)', () => {
  it.each<[string, (p: Pod) => void, boolean]>([
    ['resourceVersion only', (p) => void (writable(p.metadata!).resourceVersion = '2'), false],
    ['an unrelated condition', (p) => void p.status!.conditions!.push({ type: 'PodScheduled', status: 'True' }), false],
    ['labels reordered', (p) => void (p.metadata!.labels = { ...p.metadata!.labels }), false],
    ['readiness', (p) => void (p.status!.conditions![0]!.status = 'False'), true],
    ['Ready transition time', (p) => void (p.status!.conditions![0]!.lastTransitionTime = '2024-01-01T00:00:00Z'), true],
    ['a label', (p) => void (p.metadata!.labels!.tier = 'fe'), true],
    ['deletionTimestamp', (p) => void (writable(p.metadata!).deletionTimestamp = '2024-01-01T00:00:00Z'), true],
    ['podIPs', (p) => void p.status!.podIPs!.push({ ip: 'fd00::1' }), true],
    ['podIP', (p) => void (p.status!.podIP = '10.0.0.2'), true],
    ['phase', (p) => void (p.status!.phase = 'Succeeded'), true],
    ['hostname', (p) => void (p.spec!.hostname = 'h'), true],
    ['subdomain', (p) => void (p.spec!.subdomain = 's'), true],
    ['nodeName', (p) => void (p.spec!.nodeName = 'n2'), true],
    ['a container port number', (p) => void (p.spec!.containers[0]!.ports![0]!.containerPort = 9090), true],
    ['a container port name', (p) => void (p.spec!.containers[0]!.ports![0]!.name = 'web'), true],
    ['a container added', (p) => void p.spec!.containers.push({ name: 'd' }), true],
  ])('%s -> %s', (_what, change, matters) => {
    const cur = structuredClone(base());
    change(cur);
    expect(podChangeMatters(base(), cur)).toBe(matters);
  });
});
