import { stringify } from 'yaml';
import { YAML_OUTPUT } from '../yamlOutput.js';
import type { Endpoints, EndpointSlice, KubeObject } from '@svcnet/model';
import { ANNOTATION_LAST_CHANGE_TRIGGER_TIME } from '@svcnet/model';
import type { PipelineFlags } from '../commands/render.js';
import { withPipeline } from './pipeline.js';

/**
 * What a render of an object keeps: what its writer wrote. Fields the store sets on every write
 * (uid, resourceVersion, creationTimestamp, generation) and the time the reconciler saw the change
 * differ from run to run and say nothing about the manifests.
 */
function asWritten<T extends KubeObject>(o: T): T {
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, generation: _g, annotations, ...metadata } = o.metadata ?? {};
  const { [ANNOTATION_LAST_CHANGE_TRIGGER_TIME]: _t, ...kept } = annotations ?? {};
  return { ...o, metadata: { ...metadata, ...(Object.keys(kept).length ? { annotations: kept } : {}) } };
}

const byKey = (a: KubeObject, b: KubeObject) => {
  const ka = `${a.metadata?.namespace}/${a.metadata?.name}`;
  const kb = `${b.metadata?.namespace}/${b.metadata?.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/** `svcnet render endpoints`: Endpoints then EndpointSlices, each sorted by namespace/name, as a `kind: List`. */
export async function renderEndpoints(flags: PipelineFlags & { output: 'yaml' | 'json' }): Promise<number> {
  return withPipeline(flags, async ({ store }) => {
    const endpoints = (await store.list('Endpoints', { shared: true })).items as Endpoints[];
    const slices = (await store.list('EndpointSlice', { shared: true })).items as EndpointSlice[];
    const items = [...[...endpoints].sort(byKey), ...[...slices].sort(byKey)].map((o) => asWritten(o as KubeObject));
    const list = { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
    return flags.output === 'json' ? `${JSON.stringify(list, null, 2)}\n` : stringify(list, YAML_OUTPUT);
  });
}
