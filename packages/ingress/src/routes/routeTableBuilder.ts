import type { Ingress, IngressClass } from '@svcnet/model';
import { compileHost, hostsOf, ingressKey, ingressOrder, isCatchAllDefault, ruleHost } from './compileHost.js';
import { isWildcardHost } from './hosts.js';
import { classFilter, isOurIngress } from './ingressClass.js';
import type { ClassFilter, IngressClassOptions } from './ingressClass.js';
import type { HostRoutes, RouteConflict, RouteTable, TlsHost } from './routeTypes.js';

const EMPTY_CATCH_ALL: HostRoutes = { host: '', exact: new Map(), prefix: new Map(), fallback: undefined };

/** Hosts whose compiled routes or TLS changed in one update ('' is the catch-all). */
export interface RouteTableChange {
  readonly hosts: ReadonlySet<string>;
  readonly tlsHosts: ReadonlySet<string>;
}

function touched(ing: Ingress | undefined): Set<string> {
  if (!ing) return new Set();
  const hosts = hostsOf(ing);
  if (isCatchAllDefault(ing)) hosts.add('');
  return hosts;
}

function tlsHostsOf(ing: Ingress | undefined): Set<string> {
  const out = new Set<string>();
  for (const t of ing?.spec?.tls ?? []) for (const h of t.hosts ?? []) out.add(ruleHost(h));
  return out;
}

function addIndex(index: Map<string, Set<string>>, hosts: Iterable<string>, key: string): void {
  for (const h of hosts) {
    let s = index.get(h);
    if (!s) index.set(h, (s = new Set()));
    s.add(key);
  }
}

function removeIndex(index: Map<string, Set<string>>, hosts: Iterable<string>, key: string): void {
  for (const h of hosts) {
    const s = index.get(h);
    if (!s) continue;
    s.delete(key);
    if (s.size === 0) index.delete(h);
  }
}

/**
 * The route table, kept up to date one Ingress at a time. An Ingress change recompiles only the hosts
 * it touched before or touches now (an index host -> Ingresses makes that cheap); an IngressClass
 * change re-decides which Ingresses are ours. `table` is a live view: read it, do not keep copies.
 * No I/O: the incremental view and tests drive it.
 */
export class RouteTableBuilder {
  private filter: ClassFilter;
  private readonly all = new Map<string, Ingress>();
  private readonly ours = new Map<string, Ingress>();
  private readonly byHost = new Map<string, Set<string>>();
  private readonly byTlsHost = new Map<string, Set<string>>();
  private readonly exactHosts = new Map<string, HostRoutes>();
  private readonly wildcardHosts = new Map<string, HostRoutes>();
  private readonly tlsExact = new Map<string, TlsHost>();
  private readonly tlsWildcard = new Map<string, TlsHost>();
  private readonly conflicts = new Map<string, readonly RouteConflict[]>();
  private catchAll: HostRoutes = EMPTY_CATCH_ALL;
  private classes: IngressClass[] = [];
  /** Hosts recompiled since construction: lets tests check that updates stay local. */
  compiledHosts = 0;
  /** Bumped by every change to the table (a host's routes or a TLS host): caches of answers compare it. */
  version = 0;

  constructor(private readonly options: IngressClassOptions = {}) {
    this.filter = classFilter([], options);
  }

  /** A stable live view (one object, read on every request: no allocation per call). */
  readonly table: RouteTable = ((self: RouteTableBuilder): RouteTable => ({
    exactHosts: self.exactHosts,
    wildcardHosts: self.wildcardHosts,
    get catchAll() {
      return self.catchAll;
    },
    tlsExact: self.tlsExact,
    tlsWildcard: self.tlsWildcard,
    conflicts: self.conflicts,
  }))(this);

  /** Replaces the set of IngressClasses and re-decides ownership of every Ingress. */
  setIngressClasses(classes: readonly IngressClass[]): RouteTableChange {
    this.classes = [...classes];
    this.filter = classFilter(this.classes, this.options);
    const hosts = new Set<string>();
    const tlsHosts = new Set<string>();
    for (const ing of this.all.values()) {
      const c = this.place(ing, true);
      c.hosts.forEach((h) => hosts.add(h));
      c.tlsHosts.forEach((h) => tlsHosts.add(h));
    }
    return { hosts, tlsHosts };
  }

  upsertIngressClass(cls: IngressClass): RouteTableChange {
    const name = cls.metadata?.name;
    return this.setIngressClasses([...this.classes.filter((c) => c.metadata?.name !== name), cls]);
  }

  deleteIngressClass(name: string): RouteTableChange {
    return this.setIngressClasses(this.classes.filter((c) => c.metadata?.name !== name));
  }

  upsert(ingress: Ingress): RouteTableChange {
    this.all.set(ingressKey(ingress), ingress);
    return this.place(ingress, false);
  }

  delete(key: string): RouteTableChange {
    const old = this.all.get(key);
    if (!old) return { hosts: new Set(), tlsHosts: new Set() };
    this.all.delete(key);
    return this.apply(key, this.ours.get(key), undefined);
  }

  private place(ingress: Ingress, onlyIfOwnershipChanged: boolean): RouteTableChange {
    const key = ingressKey(ingress);
    const old = this.ours.get(key);
    const next = isOurIngress(ingress, this.filter) ? ingress : undefined;
    if (onlyIfOwnershipChanged && !!old === !!next) return { hosts: new Set(), tlsHosts: new Set() };
    return this.apply(key, old, next);
  }

  private apply(key: string, old: Ingress | undefined, next: Ingress | undefined): RouteTableChange {
    const oldHosts = touched(old);
    const newHosts = touched(next);
    const oldTls = tlsHostsOf(old);
    const newTls = tlsHostsOf(next);
    if (next) this.ours.set(key, next);
    else this.ours.delete(key);
    removeIndex(this.byHost, oldHosts, key);
    addIndex(this.byHost, newHosts, key);
    removeIndex(this.byTlsHost, oldTls, key);
    addIndex(this.byTlsHost, newTls, key);
    const hosts = new Set([...oldHosts, ...newHosts]);
    const tlsHosts = new Set([...oldTls, ...newTls]);
    for (const h of hosts) this.recompile(h);
    for (const h of tlsHosts) this.recompileTls(h);
    if (hosts.size > 0 || tlsHosts.size > 0) this.version++;
    return { hosts, tlsHosts };
  }

  private ordered(keys: Set<string> | undefined): Ingress[] {
    if (!keys) return [];
    const list: Ingress[] = [];
    for (const k of keys) {
      const ing = this.ours.get(k);
      if (ing) list.push(ing);
    }
    return list.sort(ingressOrder);
  }

  private recompile(host: string): void {
    this.compiledHosts++;
    const ingresses = this.ordered(this.byHost.get(host));
    const wildcard = isWildcardHost(host);
    const map = wildcard ? this.wildcardHosts : this.exactHosts;
    const mapKey = wildcard ? host.slice(2) : host;
    if (ingresses.length === 0) {
      if (host === '') this.catchAll = EMPTY_CATCH_ALL;
      else map.delete(mapKey);
      this.conflicts.delete(host);
      return;
    }
    const { routes, conflicts } = compileHost(host, ingresses);
    if (host === '') this.catchAll = routes;
    else map.set(mapKey, routes);
    if (conflicts.length) this.conflicts.set(host, conflicts);
    else this.conflicts.delete(host);
  }

  private recompileTls(host: string): void {
    const wildcard = isWildcardHost(host);
    const map = wildcard ? this.tlsWildcard : this.tlsExact;
    const mapKey = wildcard ? host.slice(2) : host;
    for (const ing of this.ordered(this.byTlsHost.get(host))) {
      for (const t of ing.spec?.tls ?? []) {
        if (!(t.hosts ?? []).some((h) => ruleHost(h) === host)) continue;
        const ns = ing.metadata?.namespace ?? 'default';
        // No secretName: the host is served with the default certificate (as ingress-nginx does).
        map.set(mapKey, { host, secret: t.secretName ? `${ns}/${t.secretName}` : '', ingress: ingressKey(ing) });
        return;
      }
    }
    map.delete(mapKey);
  }
}

/** The whole table from scratch: what the incremental builder must always equal. */
export function compileRouteTable(
  ingresses: readonly Ingress[],
  classes: readonly IngressClass[] = [],
  options: IngressClassOptions = {},
): RouteTable {
  const b = new RouteTableBuilder(options);
  b.setIngressClasses(classes);
  for (const ing of ingresses) b.upsert(ing);
  return b.table;
}
