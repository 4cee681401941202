import type { AddressInfo } from 'node:net';
import { kernelThreadId, WorkerPool, type WorkerSetting, workerCount } from '@svcnet/model';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, Registry } from 'prom-client';
import { FAKE_CERTIFICATE_NAME, fakeCertificate } from '../tls/fakeCertificate.js';
import { IngressServer, type IngressServerOptions } from './ingressServer.js';
import type { IngressView } from '../view/ingressView.js';
import { RouterPublisher } from '../view/ingressViewReplica.js';
import { IngressMetrics } from '../proxy/metrics.js';

/** The server options a worker gets (cloned into the thread: plain data only). */
type WorkerServerOptions = Omit<IngressServerOptions, 'view' | 'registry' | 'logger' | 'reusePort'>;

export interface IngressWorkerData {
  server: WorkerServerOptions;
}

export interface IngressWorkerReady {
  http?: number;
  https?: number;
  /** The server's kernel thread id (Linux), for per-server CPU in the bench. */
  tid?: number;
}

export interface IngressWorkersOptions extends IngressServerOptions {
  /** The parent's view (fed from the store or manifests); this thread's server routes from it, workers from replicas. */
  view: IngressView;
  /** Servers in all: this thread's and `workers - 1` worker threads. */
  workers: number;
}

type MetricsJSON = MetricObjectWithValues<MetricValue<string>>[];

/**
 * N routers on the same addresses, each with its own SO_REUSEPORT HTTP and HTTPS listeners (nginx's
 * worker processes on `reuseport` listeners). One of them is `main`, in this thread, routing from
 * the parent's own IngressView: it listens first (port 0 becomes a real port that the others
 * bind). The other N - 1 run in worker threads, each with an IngressViewReplica (route table,
 * backend resolutions, the certificates the table names), sent whole when it starts and then as
 * RouterUpdates. The default certificate (the fake one when none is given) is made once here, so
 * every server presents the same. Every server's metrics are summed into the parent's registry at
 * scrape time; a worker that dies is replaced. See docs/decisions/015 and 022 (why this thread
 * serves: an isolate costs ~40 MB).
 */
export class IngressWorkers {
  readonly pool: WorkerPool<IngressWorkerReady>;
  /** The router in this thread, on the parent's view (one of the N). */
  readonly main: IngressServer;
  private readonly mainRegistry = new Registry();
  private readonly publisher: RouterPublisher;
  private ready: IngressWorkerReady[] = [];
  private fetching?: Promise<MetricsJSON[]>;

  constructor(o: IngressWorkersOptions) {
    const { view, registry, logger, workers, ...rest } = o;
    const defaultCertificate = o.defaultCertificate ?? (o.listenTls ? fakeCertificate() : undefined);
    if (o.listenTls && !o.defaultCertificate) {
      (logger?.info ?? logger?.warn)?.call(logger, { certificate: FAKE_CERTIFICATE_NAME }, 'ingress: no default certificate given: a self-signed one (made at start, kept in memory) answers TLS names no Ingress covers, clients without SNI and clients connecting by address');
    }
    const server: WorkerServerOptions = { ...rest, ...(defaultCertificate ? { defaultCertificate } : {}) };
    // Settings fail here, in the main server's constructor, not in a worker. Its metrics go to a
    // registry of its own: the parent's gets every server's summed.
    this.main = new IngressServer({ ...server, view, registry: this.mainRegistry, ...(logger ? { logger } : {}), reusePort: true });
    this.publisher = new RouterPublisher(view, (update) => this.pool.broadcast({ type: 'update', update }), o.defaultCertificateSecret);
    const log = { info: (obj: object, msg: string) => (logger?.info ?? logger?.warn)?.call(logger, obj as Record<string, unknown>, msg), warn: (obj: object, msg: string) => logger?.warn(obj as Record<string, unknown>, msg) };
    this.pool = new WorkerPool<IngressWorkerReady>({
      name: 'ingress',
      entry: new URL(import.meta.url.endsWith('.ts') ? './ingressWorker.ts' : './ingressWorker.js', import.meta.url),
      count: workers - 1,
      log,
      // Workers bind the ports the main server got (they differ from the asked ones only for port 0).
      workerData: (_slot, first): IngressWorkerData => ({
        server: {
          ...server,
          ...(server.listen ? { listen: { host: server.listen.host, port: first?.http ?? server.listen.port } } : {}),
          ...(server.listenTls ? { listenTls: { host: server.listenTls.host, port: first?.https ?? server.listenTls.port } } : {}),
        },
      }),
      snapshot: () => this.publisher.snapshotUpdates().map((update) => ({ type: 'update', update })),
    });
    if (registry) for (const m of new IngressMetrics(new Registry()).registry.getMetricsAsArray()) registry.registerMetric(this.summed(m.name) as never);
  }

  async start(): Promise<{ http?: AddressInfo; https?: AddressInfo }> {
    // The main server listens first: with port 0 it gets the real ports, which the workers then bind.
    const own = await this.main.start();
    const mine: IngressWorkerReady = { ...(own.http ? { http: own.http.port } : {}), ...(own.https ? { https: own.https.port } : {}), ...withTid(kernelThreadId()) };
    try {
      this.ready = [mine, ...(await this.pool.start(mine))];
    } catch (e) {
      await this.main.close();
      throw e;
    }
    return own;
  }

  /** Kernel thread ids of the servers (Linux): this thread's first, then the workers' that reported one. */
  get threadIds(): number[] {
    return this.ready.map((r) => r.tid).filter((t): t is number => t !== undefined);
  }

  /**
   * Every serving router's metrics (prom-client JSON): this thread's first, then the ready
   * workers' (a busy or dying worker is left out). Scrapes that overlap share one request.
   */
  metricsPerServer(): Promise<MetricsJSON[]> {
    return (this.fetching ??= Promise.all([this.mainRegistry.getMetricsAsJSON(), this.pool.ask({ type: 'metrics' })])
      .then(([mine, all]) => [mine as MetricsJSON, ...(all.filter(Boolean) as MetricsJSON[])])
      .finally(() => (this.fetching = undefined)));
  }

  async close(): Promise<void> {
    this.publisher.stop();
    await this.pool.stop();
    await this.main.close();
  }

  /** A metric of the parent's registry whose values are every server's summed (prom-client's custom-metric contract). */
  private summed(name: string): object {
    return {
      name,
      get: async () => {
        const m = AggregatorRegistry.aggregate(await this.metricsPerServer()).getSingleMetric(name);
        return m ? m.get() : { name, help: name, type: 'counter', aggregator: 'sum', values: [] };
      },
      reset: () => undefined,
    };
  }
}

function withTid(tid: number | undefined): { tid?: number } {
  return tid === undefined ? {} : { tid };
}

/**
 * The router for `o` with `setting` servers: one in this process (Node without reusePort, one core,
 * or `1`), else IngressWorkers over `view` (this thread's router and N - 1 worker threads). The
 * reason for running fewer than asked is logged once.
 */
export function ingressServerFor(o: IngressServerOptions & { view: IngressView }, setting: WorkerSetting): IngressServer | IngressWorkers {
  const { count, reason } = workerCount(setting);
  if (reason) (o.logger?.info ?? o.logger?.warn)?.call(o.logger, { workers: 1 }, `ingress: ${reason}`);
  return count > 1 ? new IngressWorkers({ ...o, workers: count }) : new IngressServer(o);
}
