import { objectKey } from '@svcnet/model';
import { endpointCounts } from './servicesView.js';
import { inScope, none, nsOf, type Row, type TableView } from './tableView.js';

export const ingressView: TableView = {
  id: 'ing',
  title: 'Ingress routes',
  columns: ['NAMESPACE', 'INGRESS', 'HOST', 'PATH', 'PATHTYPE', 'BACKEND', 'READY', 'TLS'],
  rows(s, scope) {
    const rows: Row[] = [];
    for (const ing of s.ingresses) {
      if (!inScope(ing, scope)) continue;
      const ns = nsOf(ing);
      const tlsHosts = new Set((ing.spec?.tls ?? []).flatMap((t) => t.hosts ?? []));
      const add = (host: string, path: string, pathType: string, backend: { service?: { name: string; port?: { name?: string; number?: number } } } | undefined) => {
        const svcName = backend?.service?.name;
        const svcKey = svcName ? `${ns}/${svcName}` : undefined;
        const { ready, total } = endpointCounts(svcKey ? s.slicesByService.get(svcKey) : undefined);
        const port = backend?.service?.port?.name ?? backend?.service?.port?.number;
        rows.push({
          key: `${objectKey(ing)}/${host}/${path}`,
          serviceKey: svcKey,
          object: ing,
          fault: svcName && ready === 0 ? 'no ready endpoints' : undefined,
          changedAt: s.changedAt.get(`Ingress/${objectKey(ing)}`),
          cells: [ns, ing.metadata?.name ?? '', host || '*', path, pathType, svcName ? `${svcName}:${port ?? ''}` : none, `${ready}/${total}`, tlsHosts.has(host) ? 'yes' : 'no'],
        });
      };
      if (ing.spec?.defaultBackend) add('', '(default)', '-', ing.spec.defaultBackend);
      for (const rule of ing.spec?.rules ?? []) {
        for (const p of rule.http?.paths ?? []) add(rule.host ?? '', p.path ?? '/', p.pathType, p.backend);
      }
    }
    return rows;
  },
};
