import type { AddressInfo } from 'node:net';
import { WorkerPool, type WorkerSetting, ipFamily, workerCount } from '@svcnet/model';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, Registry } from 'prom-client';
import { TrustedProxies } from '../http1/clientAddress.js';
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
  /** The worker's kernel thread id (Linux), for per-worker CPU in the bench. */
  tid?: number;
}

export interface IngressWorkersOptions extends IngressServerOptions {
  /** The parent's view (fed from the store or manifests); workers route from replicas of it. */
  view: IngressView;
  workers: number;
}

type MetricsJSON = MetricObjectWithValues<MetricValue<string>>[];

/**
 * N router workers, each a thread with its own SO_REUSEPORT HTTP and HTTPS listeners (nginx's
 * worker processes on `reuseport` listeners). The parent keeps the one store watch and the
 * IngressView; each worker holds an IngressViewReplica (route table, backend resolutions, the
 * certificates the table names), sent whole when it starts and then as RouterUpdates. The default
 * certificate (the fake one when none is given) is made once here, so every worker presents the
 * same. The workers' metrics are summed into the parent's registry at scrape time; a worker that
 * dies is replaced. See docs/decisions/015.
 */
export class IngressWorkers {
  readonly pool: WorkerPool<IngressWorkerReady>;
  private readonly publisher: RouterPublisher;
  private ready: IngressWorkerReady[] = [];
  private fetching?: Promise<ReturnType<typeof AggregatorRegistry.aggregate>>;

  constructor(private readonly o: IngressWorkersOptions) {
    new TrustedProxies(o.trustedProxies); // settings fail here, as IngressServer's would, not in a worker
    const { view, registry, logger, workers, ...rest } = o;
    const defaultCertificate = o.defaultCertificate ?? (o.listenTls ? fakeCertificate() : undefined);
    if (o.listenTls && !o.defaultCertificate) {
      (logger?.info ?? logger?.warn)?.call(logger, { certificate: FAKE_CERTIFICATE_NAME }, 'ingress: no default certificate given: a self-signed one (made at start, kept in memory) answers TLS names no Ingress covers, clients without SNI and clients connecting by address');
    }
    const server: WorkerServerOptions = { ...rest, ...(defaultCertificate ? { defaultCertificate } : {}) };
    this.publisher = new RouterPublisher(view, (update) => this.pool.broadcast({ type: 'update', update }), o.defaultCertificateSecret);
    const log = { info: (obj: object, msg: string) => (logger?.info ?? logger?.warn)?.call(logger, obj as Record<string, unknown>, msg), warn: (obj: object, msg: string) => logger?.warn(obj as Record<string, unknown>, msg) };
    this.pool = new WorkerPool<IngressWorkerReady>({
      name: 'ingress',
      entry: new URL(import.meta.url.endsWith('.ts') ? './ingressWorker.ts' : './ingressWorker.js', import.meta.url),
      count: workers,
      log,
      // Later workers bind the ports the first one got (they differ from the asked ones only for port 0).
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
    this.ready = await this.pool.start();
    const first = this.ready[0]!;
    const info = (host: string, port: number): AddressInfo => ({ address: host, port, family: ipFamily(host) === 'IPv6' ? 'IPv6' : 'IPv4' });
    return {
      ...(this.o.listen && first.http !== undefined ? { http: info(this.o.listen.host, first.http) } : {}),
      ...(this.o.listenTls && first.https !== undefined ? { https: info(this.o.listenTls.host, first.https) } : {}),
    };
  }

  /** Kernel thread ids of the workers that reported one (Linux), for per-worker CPU figures. */
  get threadIds(): number[] {
    return this.ready.map((r) => r.tid).filter((t): t is number => t !== undefined);
  }

  async close(): Promise<void> {
    this.publisher.stop();
    await this.pool.stop();
  }

  /** A metric of the parent's registry whose values are the workers' summed (prom-client's custom-metric contract). */
  private summed(name: string): object {
    return {
      name,
      get: async () => {
        const agg = await (this.fetching ??= this.pool
          .ask({ type: 'metrics' })
          .then((all) => AggregatorRegistry.aggregate(all as MetricsJSON[]))
          .finally(() => (this.fetching = undefined)));
        const m = agg.getSingleMetric(name);
        return m ? m.get() : { name, help: name, type: 'counter', aggregator: 'sum', values: [] };
      },
      reset: () => undefined,
    };
  }
}

/**
 * The router for `o` with `setting` workers: one in this process (Node without reusePort, one core,
 * or `1`), else IngressWorkers over `view`. The reason for running fewer than asked is logged once.
 */
export function ingressServerFor(o: IngressServerOptions & { view: IngressView }, setting: WorkerSetting): IngressServer | IngressWorkers {
  const { count, reason } = workerCount(setting);
  if (reason) (o.logger?.info ?? o.logger?.warn)?.call(o.logger, { workers: 1 }, `ingress: ${reason}`);
  return count > 1 ? new IngressWorkers({ ...o, workers: count }) : new IngressServer(o);
}
