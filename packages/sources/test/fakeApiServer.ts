import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Server, createServer } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A small Kubernetes API server for tests, speaking the real wire protocol so that client-node's
 * own informer code runs unchanged: HTTPS with a CA and a bearer token from a kubeconfig file,
 * lists carrying `metadata.resourceVersion` (items without kind/apiVersion, as the real server
 * sends them), `?watch=1&resourceVersion=N` streams of newline-delimited JSON events, BOOKMARKs when
 * `allowWatchBookmarks=true`, and a 410 Gone ERROR event (a Status object) when N is older than the
 * kept history. One resourceVersion counter for everything, like etcd's revision.
 */

interface Resource {
  plural: string;
  kind: string;
  apiVersion: string;
  namespaced: boolean;
}

const RESOURCES: Resource[] = [
  { plural: 'services', kind: 'Service', apiVersion: 'v1', namespaced: true },
  { plural: 'endpoints', kind: 'Endpoints', apiVersion: 'v1', namespaced: true },
  { plural: 'pods', kind: 'Pod', apiVersion: 'v1', namespaced: true },
  { plural: 'secrets', kind: 'Secret', apiVersion: 'v1', namespaced: true },
  { plural: 'nodes', kind: 'Node', apiVersion: 'v1', namespaced: false },
  { plural: 'endpointslices', kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', namespaced: true },
  { plural: 'ingresses', kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', namespaced: true },
  { plural: 'ingressclasses', kind: 'IngressClass', apiVersion: 'networking.k8s.io/v1', namespaced: false },
];

export interface FakeObject {
  apiVersion?: string;
  kind: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  [field: string]: unknown;
}

interface HistoryEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: FakeObject;
}

interface Watcher {
  resource: Resource;
  namespace?: string;
  match: (o: FakeObject) => boolean;
  res: ServerResponse;
}

export interface RequestRecord {
  method: string;
  path: string;
  watch: boolean;
  query: Record<string, string>;
}

export class FakeApiServer {
  readonly token = `token-${process.pid}-${Math.random().toString(36).slice(2)}`;
  readonly requests: RequestRecord[] = [];
  readonly #dir = mkdtempSync(join(tmpdir(), 'svcnet-fakeapi-'));
  readonly #objects = new Map<string, FakeObject>();
  #history: HistoryEvent[] = [];
  /** Watches from a resourceVersion below this get 410 Gone. */
  #oldestRv = 0;
  #rv = 100;
  readonly #watchers = new Set<Watcher>();
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #port = 0;
  readonly #key: string;
  readonly #cert: string;
  bookmarkIntervalMs = 100;

  private constructor() {
    // One key pair per test process: key generation is the slow part of starting a server.
    FakeApiServer.#tls ??= generateCert(this.#dir);
    this.#key = FakeApiServer.#tls.key;
    this.#cert = FakeApiServer.#tls.cert;
  }

  static #tls: { key: string; cert: string } | undefined;

  static async start(): Promise<FakeApiServer> {
    const s = new FakeApiServer();
    await s.listen();
    return s;
  }

  get url(): string {
    return `https://127.0.0.1:${this.#port}`;
  }

  get resourceVersion(): number {
    return this.#rv;
  }

  /** Writes a kubeconfig pointing at this server (CA data + bearer token) and returns its path. */
  writeKubeconfig(context = 'fake'): string {
    const path = join(this.#dir, 'kubeconfig');
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake-cluster', cluster: { server: this.url, 'certificate-authority-data': Buffer.from(this.#cert).toString('base64') } }],
      users: [
        { name: 'tester', user: { token: this.token } },
        { name: 'nobody', user: { token: 'not-the-token' } },
      ],
      contexts: [
        { name: context, context: { cluster: 'fake-cluster', user: 'tester', namespace: 'default' } },
        { name: 'elsewhere', context: { cluster: 'fake-cluster', user: 'nobody' } },
      ],
      'current-context': 'elsewhere',
    };
    writeFileSync(path, JSON.stringify(config, null, 2));
    return path;
  }

  /** (Re)starts listening, on the same port as before when restarted. */
  async listen(): Promise<void> {
    const server = createServer({ key: this.#key, cert: this.#cert }, (req, res) => this.#handle(req, res));
    server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  /** Goes away like a crashed API server: stops listening and cuts every connection. */
  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    this.#watchers.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.down();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  get openWatches(): number {
    return this.#watchers.size;
  }

  /** Cuts open watch streams mid-flight (the TCP connection is reset), as a load balancer might. */
  dropWatches(): number {
    const n = this.#watchers.size;
    for (const w of this.#watchers) w.res.socket?.destroy();
    this.#watchers.clear();
    return n;
  }

  /** Forgets the event history (etcd compaction): a watch resuming from before now gets 410 Gone. */
  compact(): void {
    this.#history = [];
    this.#oldestRv = this.#rv;
  }

  upsert(object: FakeObject): FakeObject {
    const resource = byKind(object.kind);
    const key = objKey(resource, object);
    const type = this.#objects.has(key) ? 'MODIFIED' : 'ADDED';
    const stored: FakeObject = structuredClone({ ...object, apiVersion: resource.apiVersion });
    stored.metadata.resourceVersion = String(++this.#rv);
    this.#objects.set(key, stored);
    this.#emit({ rv: this.#rv, type, object: stored });
    return stored;
  }

  remove(kind: string, namespace: string | undefined, name: string): boolean {
    const resource = byKind(kind);
    const key = objKey(resource, { metadata: { name, namespace } });
    const existing = this.#objects.get(key);
    if (!existing) return false;
    this.#objects.delete(key);
    const last = structuredClone(existing);
    last.metadata.resourceVersion = String(++this.#rv);
    this.#emit({ rv: this.#rv, type: 'DELETED', object: last });
    return true;
  }

  #emit(e: HistoryEvent): void {
    this.#history.push(e);
    if (this.#history.length > 10_000) this.compactTo(this.#history.length - 5_000);
    for (const w of this.#watchers) {
      if (w.resource.kind === e.object.kind && w.match(e.object)) writeEvent(w.res, e.type, e.object);
    }
  }

  private compactTo(index: number): void {
    this.#oldestRv = this.#history[index - 1]!.rv;
    this.#history = this.#history.slice(index);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const query = Object.fromEntries(url.searchParams);
    const watch = query['watch'] === '1' || query['watch'] === 'true';
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, watch, query });
    if (req.headers.authorization !== `Bearer ${this.token}`) return sendStatus(res, 401, 'Unauthorized', 'Unauthorized');
    const route = parsePath(url.pathname);
    if (!route) return sendStatus(res, 404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
    if (req.method !== 'GET') return sendStatus(res, 405, 'MethodNotAllowed', `method ${req.method} not allowed`);
    const match = selectorMatcher(query['fieldSelector'], query['labelSelector']);
    if (watch) this.#watch(route, match, query, res);
    else this.#list(route, match, query, res);
  }

  #current(route: Route, match: (o: FakeObject) => boolean): FakeObject[] {
    return [...this.#objects.values()]
      .filter((o) => o.kind === route.resource.kind && (!route.namespace || o.metadata.namespace === route.namespace) && match(o))
      .sort((a, b) => objKey(route.resource, a).localeCompare(objKey(route.resource, b)));
  }

  #list(route: Route, match: (o: FakeObject) => boolean, query: Record<string, string>, res: ServerResponse): void {
    const all = this.#current(route, match);
    const limit = Number(query['limit'] ?? 0);
    const offset = query['continue'] ? Number(Buffer.from(query['continue'], 'base64url').toString()) : 0;
    const page = limit > 0 ? all.slice(offset, offset + limit) : all.slice(offset);
    const next = limit > 0 && offset + limit < all.length ? Buffer.from(String(offset + limit)).toString('base64url') : undefined;
    const body = {
      kind: `${route.resource.kind}List`,
      apiVersion: route.resource.apiVersion,
      metadata: { resourceVersion: String(this.#rv), ...(next ? { continue: next } : {}) },
      // The real server leaves kind and apiVersion out of list items.
      items: page.map(({ kind: _k, apiVersion: _a, ...rest }) => rest),
    };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  #watch(route: Route, match: (o: FakeObject) => boolean, query: Record<string, string>, res: ServerResponse): void {
    const rvParam = query['resourceVersion'] ?? '';
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const w: Watcher = { resource: route.resource, namespace: route.namespace, match: (o) => (!route.namespace || o.metadata.namespace === route.namespace) && match(o), res };
    if (rvParam === '' || rvParam === '0') {
      // "Any" resourceVersion: synthetic ADDED events for the current state, then live events.
      for (const o of this.#current(route, match)) writeEvent(res, 'ADDED', o);
    } else {
      const from = Number(rvParam);
      if (!Number.isFinite(from) || from < this.#oldestRv) {
        writeEvent(res, 'ERROR', {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {} as FakeObject['metadata'],
          status: 'Failure',
          message: `too old resource version: ${rvParam} (${this.#oldestRv})`,
          reason: 'Expired',
          code: 410,
        });
        res.end();
        return;
      }
      for (const e of this.#history) {
        if (e.rv > from && e.object.kind === route.resource.kind && w.match(e.object)) writeEvent(res, e.type, e.object);
      }
    }
    this.#watchers.add(w);
    const timers: NodeJS.Timeout[] = [];
    if (query['allowWatchBookmarks'] === 'true' || query['allowWatchBookmarks'] === '1') {
      timers.push(setInterval(() => {
        writeEvent(res, 'BOOKMARK', { kind: route.resource.kind, apiVersion: route.resource.apiVersion, metadata: { resourceVersion: String(this.#rv) } as FakeObject['metadata'] });
      }, this.bookmarkIntervalMs));
    }
    const timeout = Number(query['timeoutSeconds'] ?? 0);
    if (timeout > 0) timers.push(setTimeout(() => res.end(), timeout * 1000));
    res.on('close', () => {
      this.#watchers.delete(w);
      for (const t of timers) clearTimeout(t);
    });
  }
}

function generateCert(dir: string): { key: string; cert: string } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

interface Route {
  resource: Resource;
  namespace?: string;
}

function parsePath(path: string): Route | undefined {
  const core = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?([a-z]+)$/.exec(path);
  const grouped = /^\/apis\/([^/]+\/[^/]+)\/(?:namespaces\/([^/]+)\/)?([a-z]+)$/.exec(path);
  const [apiVersion, namespace, plural] = core ? ['v1', core[1], core[2]] : grouped ? [grouped[1], grouped[2], grouped[3]] : [];
  const resource = RESOURCES.find((r) => r.plural === plural && r.apiVersion === apiVersion);
  if (!resource || (namespace && !resource.namespaced)) return undefined;
  return { resource, ...(namespace ? { namespace } : {}) };
}

function byKind(kind: string): Resource {
  const r = RESOURCES.find((x) => x.kind === kind);
  if (!r) throw new Error(`fake API server: unknown kind ${kind}`);
  return r;
}

function objKey(r: Resource, o: { metadata: { name: string; namespace?: string } }): string {
  return `${r.kind}/${r.namespaced ? `${o.metadata.namespace ?? 'default'}/` : ''}${o.metadata.name}`;
}

/** Equality-only field and label selectors (`type=kubernetes.io/tls`, `app=web`), as list/watch take them. */
function selectorMatcher(fieldSelector?: string, labelSelector?: string): (o: FakeObject) => boolean {
  const pairs = (s?: string) => (s ? s.split(',').map((p) => p.split('=') as [string, string]) : []);
  const fields = pairs(fieldSelector);
  const labels = pairs(labelSelector);
  return (o) =>
    fields.every(([path, value]) => String(path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o)) === value) &&
    labels.every(([k, v]) => (o.metadata['labels'] as Record<string, string> | undefined)?.[k] === v);
}

function writeEvent(res: ServerResponse, type: string, object: unknown): void {
  if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify({ type, object })}\n`);
}

function sendStatus(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}
