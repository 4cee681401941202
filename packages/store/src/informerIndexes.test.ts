import { LABEL_SERVICE_NAME, type EndpointSlice } from '@svcnet/model';
import { describe, expect, it } from 'vitest';
import { INDEX_FUNCS, InformerIndex } from './informerIndexes.js';

const slice = (name: string, service: string, version = '1'): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: 'default', resourceVersion: version, labels: { [LABEL_SERVICE_NAME]: service } },
  addressType: 'IPv4',
  endpoints: [],
});
const names = (list: readonly EndpointSlice[]) => list.map((s) => `${s.metadata?.name}@${s.metadata?.resourceVersion}`);

describe('InformerIndex buckets (one object held as itself, more in a map)', () => {
  it('lists a bucket in first-added order through growing, updates in place, shrinking and moves', () => {
    const index = new InformerIndex<EndpointSlice>(INDEX_FUNCS.service, [slice('a', 'web')]);
    expect(names(index.get('default/web'))).toEqual(['a@1']);
    index.apply({ type: 'MODIFIED', object: slice('a', 'web', '2'), old: slice('a', 'web') });
    expect(names(index.get('default/web'))).toEqual(['a@2']);
    index.apply({ type: 'ADDED', object: slice('b', 'web') });
    index.apply({ type: 'ADDED', object: slice('c', 'web') });
    index.apply({ type: 'MODIFIED', object: slice('a', 'web', '3'), old: slice('a', 'web', '2') });
    expect(names(index.get('default/web'))).toEqual(['a@3', 'b@1', 'c@1']);
    index.apply({ type: 'DELETED', object: slice('a', 'web', '3') });
    index.apply({ type: 'MODIFIED', object: slice('b', 'api', '2'), old: slice('b', 'web') });
    expect(names(index.get('default/web'))).toEqual(['c@1']);
    expect(names(index.get('default/api'))).toEqual(['b@2']);
    index.apply({ type: 'ADDED', object: slice('d', 'web') });
    expect(names(index.get('default/web'))).toEqual(['c@1', 'd@1']);
    // Deleting an object a bucket of one does not hold leaves it alone.
    index.apply({ type: 'DELETED', object: slice('x', 'api') });
    expect(names(index.get('default/api'))).toEqual(['b@2']);
    index.apply({ type: 'DELETED', object: slice('b', 'api', '2') });
    expect(index.get('default/api')).toEqual([]);
    expect(index.values().sort()).toEqual(['default/web']);
  });
});
