import type { IngressClass } from '@svcnet/model';
import { describe, expect, it } from 'vitest';
import { TrustedProxies } from '../src/http1/clientAddress.js';
import { IngressView } from '../src/view/ingressView.js';
import type { ProxyContext } from '../src/proxy/proxyContext.js';
import { routeTarget } from '../src/proxy/proxyHandler.js';
import { scanRequestHead } from '../src/http1/requestHeadParser.js';
import type { RequestHeadScan } from '../src/http1/requestHeadParser.js';
import { ConnectionRoutes, hashOf } from '../src/fastpath/routeCache.js';
import type { CachedRoute } from '../src/fastpath/routeCache.js';
import { ingress, path, rule, service, slice, tlsSecret } from './fixtures.js';

/**
 * The fast path's route cache (routeCache.ts) answers what routeTarget answers: after a cached hit,
 * any change to the view (endpoints, Services, Ingresses, IngressClasses, TLS) or to the HTTPS
 * redirect port is seen by the very next request, on the same connection and on new ones.
 */

function setup(): { view: IngressView; ctx: ProxyContext } {
  const view = new IngressView();
  view.load([
    service('app', [{ port: 80, name: 'http' }]),
    slice('app', 'http', 8080, [['10.0.0.1', true]]),
    service('other', [{ port: 80, name: 'http' }]),
    slice('other', 'http', 9090, [['10.0.0.2', true]]),
    ingress('web', { rules: [rule('app.test', path('/', 'Prefix', 'app', 80))] }),
  ]);
  const ctx = { view, trusted: new TrustedProxies([]), httpsPort: undefined } as unknown as ProxyContext;
  return { view, ctx };
}

function scan(target: string, host = 'app.test'): RequestHeadScan {
  const s = scanRequestHead(Buffer.from(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 'latin1'), 0);
  if (typeof s === 'string') throw new Error(`not a fast-path head: ${s}`);
  return s;
}

/** The cached answer, checked against routeTarget's; the endpoints' keys, or undefined (not proxied). */
function find(routes: ConnectionRoutes, ctx: ProxyContext, target: string, host = 'app.test'): string[] | undefined {
  const found: CachedRoute | undefined = routes.find(scan(target, host));
  const direct = routeTarget(ctx, target, host, 'http');
  if (direct.kind !== 'proxy') {
    expect(found).toBeUndefined();
    return undefined;
  }
  expect(found?.routed).toEqual(direct);
  expect(found?.forward === undefined ? target : Buffer.from(found.forward).toString('latin1')).toBe(direct.forward);
  return found!.routed.upstreams.map((u) => u.key);
}

describe('route cache', () => {
  it('a repeated request is served from the connection\'s last route, by bytes', () => {
    const { ctx } = setup();
    const routes = new ConnectionRoutes(ctx);
    const first = routes.find(scan('/a?x=1'));
    expect(first).toBeDefined();
    expect(routes.find(scan('/a?x=1'))).toBe(first);
    // Another connection gets the view-wide entry.
    expect(new ConnectionRoutes(ctx).find(scan('/a?x=1'))).toBe(first);
    // A different target or Host is routed on its own.
    expect(routes.find(scan('/a?x=2'))).not.toBe(first);
    expect(find(routes, ctx, '/a/../b//c')).toEqual(['10.0.0.1:8080']);
    expect(find(routes, ctx, '/a', 'APP.test:80')).toEqual(['10.0.0.1:8080']);
    expect(find(routes, ctx, '/a', 'nowhere.test')).toBeUndefined();
    expect(find(routes, ctx, '/../a')).toBeUndefined();
  });

  it('sees an endpoint change after a cached hit on the next request', () => {
    const { view, ctx } = setup();
    const routes = new ConnectionRoutes(ctx);
    expect(find(routes, ctx, '/a')).toEqual(['10.0.0.1:8080']);
    expect(find(routes, ctx, '/a')).toEqual(['10.0.0.1:8080']);
    view.upsert(slice('app', 'http', 8080, [['10.0.0.1', true], ['10.0.0.3', true]]));
    expect(find(routes, ctx, '/a')).toEqual(['10.0.0.1:8080', '10.0.0.3:8080']);
    view.upsert(slice('app', 'http', 8080, [['10.0.0.1', false]]));
    expect(find(routes, ctx, '/a')).toBeUndefined(); // 503: no ready endpoint
    view.upsert(slice('app', 'http', 8080, [['10.0.0.4', true]]));
    expect(find(routes, ctx, '/a')).toEqual(['10.0.0.4:8080']);
    view.delete(service('app', [{ port: 80, name: 'http' }]));
    expect(find(routes, ctx, '/a')).toBeUndefined();
  });

  it('sees an Ingress change after a cached hit on the next request, on every connection', () => {
    const { view, ctx } = setup();
    const one = new ConnectionRoutes(ctx);
    const two = new ConnectionRoutes(ctx);
    expect(find(one, ctx, '/b/c')).toEqual(['10.0.0.1:8080']);
    expect(find(two, ctx, '/b/c')).toEqual(['10.0.0.1:8080']);
    view.upsert(ingress('more', { rules: [rule('app.test', path('/b', 'Prefix', 'other', 80))] }));
    expect(find(one, ctx, '/b/c')).toEqual(['10.0.0.2:9090']);
    expect(find(two, ctx, '/b/c')).toEqual(['10.0.0.2:9090']);
    view.delete(ingress('web', { rules: [] }));
    expect(find(one, ctx, '/a')).toBeUndefined();
  });

  it('sees IngressClasses loaded without any other object (load reports the change)', () => {
    const { view, ctx } = setup();
    view.upsert(ingress('classy', { ingressClassName: 'mine', rules: [rule('app.test', path('/x', 'Prefix', 'other', 80))] }));
    const routes = new ConnectionRoutes(ctx);
    expect(find(routes, ctx, '/x')).toEqual(['10.0.0.1:8080']);
    const changes: string[][] = [];
    view.onChange((c) => changes.push([...(c.routes?.hosts ?? [])]));
    const mine: IngressClass = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'mine' }, spec: { controller: 'svcnet.io/ingress' } };
    view.load([mine]);
    expect(changes).toEqual([['app.test']]);
    expect(find(routes, ctx, '/x')).toEqual(['10.0.0.2:9090']);
  });

  it('sees a route table changed around the view (no change event)', () => {
    const { view, ctx } = setup();
    view.upsert(ingress('classy', { ingressClassName: 'mine', rules: [rule('app.test', path('/x', 'Prefix', 'other', 80))] }));
    const routes = new ConnectionRoutes(ctx);
    expect(find(routes, ctx, '/x')).toEqual(['10.0.0.1:8080']);
    const mine: IngressClass = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'mine' }, spec: { controller: 'svcnet.io/ingress' } };
    view.routes.setIngressClasses([mine]);
    expect(find(routes, ctx, '/x')).toEqual(['10.0.0.2:9090']);
  });

  it('sees a TLS host moved around the view by an Ingress without rules (no change event)', () => {
    const { view, ctx } = setup();
    (ctx as { httpsPort: number | undefined }).httpsPort = 8443;
    view.upsert(ingress('tls-only', { tls: [{ hosts: ['other.test'], secretName: 'app-tls' }] }));
    const routes = new ConnectionRoutes(ctx);
    expect(find(routes, ctx, '/a')).toEqual(['10.0.0.1:8080']);
    // As many TLS hosts as before and no rule host recompiled: only the table's version tells.
    view.routes.upsert(ingress('tls-only', { tls: [{ hosts: ['app.test'], secretName: 'app-tls' }] }));
    expect(find(routes, ctx, '/a')).toBeUndefined(); // now a 308 to HTTPS: node:http's to answer
  });

  it('sees a TLS host and the HTTPS port (a 308 redirect is node:http\'s to answer)', () => {
    const { view, ctx } = setup();
    const routes = new ConnectionRoutes(ctx);
    expect(find(routes, ctx, '/a')).toEqual(['10.0.0.1:8080']);
    view.upsert(tlsSecret('app-tls', 'cert', 'key'));
    view.upsert(ingress('web', { tls: [{ hosts: ['app.test'], secretName: 'app-tls' }], rules: [rule('app.test', path('/', 'Prefix', 'app', 80))] }));
    expect(find(routes, ctx, '/a')).toEqual(['10.0.0.1:8080']); // no HTTPS listener: no redirect
    (ctx as { httpsPort: number | undefined }).httpsPort = 8443;
    expect(find(routes, ctx, '/a')).toBeUndefined();
    (ctx as { httpsPort: number | undefined }).httpsPort = undefined;
    expect(find(routes, ctx, '/a')).toEqual(['10.0.0.1:8080']);
  });

  it('stays bounded: thousands of targets, still the right answers', () => {
    const { ctx } = setup();
    const routes = new ConnectionRoutes(ctx);
    for (let i = 0; i < 5000; i++) expect(routes.find(scan(`/n/${i}`))?.routed.upstreams[0]?.key).toBe('10.0.0.1:8080');
    expect(find(routes, ctx, '/n/1')).toEqual(['10.0.0.1:8080']);
  });

  it('two requests whose bytes hash alike each get their own route', () => {
    const { view, ctx } = setup();
    view.upsert(ingress('b', { rules: [rule('app.test', path('/b', 'Prefix', 'other', 80))] }));
    const seen = new Map<number, string>();
    for (let i = 0; i < 1 << 16; i++) seen.set(hashOf(scan(`/a/${i}`)), `/a/${i}`);
    let pair: [string, string] | undefined;
    for (let j = 0; j < 1 << 20 && !pair; j++) {
      const a = seen.get(hashOf(scan(`/b/${j}`)));
      if (a !== undefined) pair = [a, `/b/${j}`];
    }
    expect(pair).toBeDefined();
    const [a, b] = pair!;
    for (const routes of [new ConnectionRoutes(ctx), new ConnectionRoutes(ctx)]) {
      expect(find(routes, ctx, a)).toEqual(['10.0.0.1:8080']);
      expect(find(routes, ctx, b)).toEqual(['10.0.0.2:9090']);
      expect(find(routes, ctx, a)).toEqual(['10.0.0.1:8080']);
    }
  });
});
