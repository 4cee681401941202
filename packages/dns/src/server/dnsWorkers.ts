import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { inChunks, joinHostPort, WorkerPool, type WorkerSetting, workerCount } from '@svcnet/model';
import { Registry } from 'prom-client';
import type { RecordIndexOptions } from '../core/options.js';
import type { IndexChange, RecordIndex } from '../core/recordIndex.js';
import { ClientAcl } from './clientAcl.js';
import { DnsServer } from './dnsServer.js';
import type { DnsLogger, DnsServerOptions, ListenAddresses } from './dnsServerOptions.js';
import { parseHostPort } from './errors.js';
import { startHttpEndpoints } from './httpEndpoints.js';
import type { UdpPath } from './udpPaths.js';
import { type DnsMetricCounts, DnsMetrics } from './metrics.js';

/** What a worker needs besides the index (cloned into the thread: plain data only). */
type WorkerServerOptions = Omit<DnsServerOptions, 'index' | 'registry' | 'logger' | 'httpListen' | 'reusePort' | 'loopDetection' | 'metricsPrefix'>;

export interface DnsWorkerData {
  indexOptions: RecordIndexOptions;
  server: WorkerServerOptions;
  listen: string;
  loopNonce: string;
  sendProbes: boolean;
}

export interface DnsWorkerReady {
  port: number;
  /** The worker's kernel thread id (Linux), for per-worker CPU in the bench. */
  tid?: number;
  /** How the worker reads UDP (DnsServer.udpPath). */
  udpPath?: UdpPath;
}

/** DnsServer's options plus how many workers; `index` is the parent's, fed from the store. */
export interface DnsWorkersOptions extends DnsServerOptions {
  workers: number;
}

const silent: DnsLogger = { info: () => undefined, warn: () => undefined };

/**
 * N DNS servers on one address, each in a worker thread with its own SO_REUSEPORT UDP and TCP
 * sockets, so the kernel spreads clients over N cores (knot's udp-workers, CoreDNS's reuseport).
 * The parent keeps the one store watch and the full RecordIndex; each worker holds a replica of
 * what answering needs (names, PTRs, Pod addresses: no Service, EndpointSlice or Pod objects),
 * brought up to date with `index.changes()` when it starts and then sent every change as the parent
 * applies it (batched per tick). The parent serves /health, /ready and /metrics (the workers'
 * counters summed at scrape time) and replaces a worker that dies. See docs/decisions/015.
 */
export class DnsWorkers {
  readonly pool: WorkerPool<DnsWorkerReady>;
  /** Upstreams a worker found looping back to us; every worker stops using them. */
  readonly loops: string[] = [];
  readonly registry: Registry;
  private readonly metrics: DnsMetrics;
  private readonly index: RecordIndex;
  private readonly log: DnsLogger;
  private queued: IndexChange[] = [];
  private ready: DnsWorkerReady[] = [];
  private httpServer?: http.Server;
  private refreshing?: Promise<void>;
  private addrs?: ListenAddresses;

  constructor(private readonly o: DnsWorkersOptions) {
    // Settings are checked here, as DnsServer's constructor does, not first in a worker thread.
    parseHostPort(o.listen ?? '127.0.0.1:53', 53, 'listen');
    if (o.allow?.length) new ClientAcl(o.allow);
    this.index = o.index;
    this.log = o.logger ?? silent;
    this.registry = o.registry ?? new Registry();
    let sources: DnsMetricCounts[] = [];
    const sum = (pick: (c: DnsMetricCounts) => Record<string, number> | undefined) => {
      const present = sources.map(pick).filter((v): v is Record<string, number> => v !== undefined);
      if (present.length === 0) return undefined;
      const out: Record<string, number> = {};
      for (const v of present) for (const [k, n] of Object.entries(v)) out[k] = (out[k] ?? 0) + n;
      return out;
    };
    this.metrics = new DnsMetrics(
      this.registry,
      o.metricsPrefix ?? 'svcnet',
      () => ({ cache: sum((c) => c.cache) as never, forwarder: sum((c) => c.forwarder) as never, acl: (o.allow?.length ?? 0) > 0 }),
      () =>
        (this.refreshing ??= this.pool
          .ask({ type: 'metrics' })
          .then((all) => {
            // A replaced worker's counts are gone with it: the sum drops, which Prometheus's
            // rate() reads as a counter reset (as a restarted CoreDNS's would be).
            sources = all.filter(Boolean) as DnsMetricCounts[];
            this.metrics.load(sources);
          })
          .finally(() => (this.refreshing = undefined))),
    );
    const { index: _index, registry: _registry, logger: _logger, httpListen: _http, metricsPrefix: _prefix, workers: _workers, ...server } = o;
    const indexOptions: RecordIndexOptions = { ...o.index.options, namespaces: [...o.index.options.namespaces] };
    const nonce = randomBytes(8).toString('hex');
    this.pool = new WorkerPool<DnsWorkerReady>({
      name: 'dns',
      entry: workerEntry(),
      count: o.workers,
      log: this.log,
      workerData: (slot, first): DnsWorkerData => ({
        indexOptions,
        server,
        listen: first ? joinHostPort(parseHostPort(o.listen ?? '127.0.0.1:53', 53, 'listen').host, first.port) : (o.listen ?? '127.0.0.1:53'),
        loopNonce: nonce,
        // One worker probes the upstreams, once: the probe may come back to any of them.
        sendProbes: slot === 0 && !first,
      }),
      snapshot: () => snapshotMessages(this.index.changes()),
      onEvent: (slot, data) => {
        const upstream = (data as { loop?: number }).loop;
        if (upstream === undefined) return;
        const label = this.forwarderLabel(upstream);
        if (label && !this.loops.includes(label)) this.loops.push(label);
        this.pool.broadcast({ type: 'loop', upstream }, slot);
      },
    });
  }

  get addresses(): ListenAddresses {
    if (!this.addrs) throw new Error('plugin/bind: the server is not started');
    return this.addrs;
  }

  async start(): Promise<ListenAddresses> {
    this.index.onChange = (c) => {
      if (this.queued.length === 0) queueMicrotask(() => this.flush());
      this.queued.push(c);
    };
    this.ready = await this.pool.start();
    const host = parseHostPort(this.o.listen ?? '127.0.0.1:53', 53, 'listen').host;
    const port = this.ready[0]!.port;
    this.addrs = { udp: { address: host, port }, tcp: { address: host, port } };
    if (this.o.httpListen) {
      const h = await startHttpEndpoints(parseHostPort(this.o.httpListen, 8080, 'listen'), this.registry, () => this.index.synced);
      this.httpServer = h.server;
      this.addrs.http = { address: h.address, port: h.port };
    }
    this.log.info({ listen: `${host}:${port}`, workers: this.o.workers }, 'dns workers started');
    return this.addrs;
  }

  /** How each worker reads UDP, in slot order (DnsServer.udpPath of each). */
  get udpPaths(): (UdpPath | undefined)[] {
    return this.ready.map((r) => r.udpPath);
  }

  /** Kernel thread ids of the workers that reported one (Linux), for per-worker CPU figures. */
  get threadIds(): number[] {
    return this.ready.map((r) => r.tid).filter((t): t is number => t !== undefined);
  }

  async stop(): Promise<void> {
    this.index.onChange = undefined;
    await this.pool.stop();
    await new Promise<void>((r) => (this.httpServer ? this.httpServer.close(() => r()) : r()));
    this.httpServer?.closeAllConnections();
  }

  private flush(): void {
    const changes = this.queued;
    this.queued = [];
    this.pool.broadcast({ type: 'changes', changes });
  }

  private forwarderLabel(i: number): string | undefined {
    // The parent has no Forwarder of its own: the label is the upstream as configured.
    return this.o.upstreams?.[i];
  }
}

/**
 * The DNS server for `o` with `setting` workers: one in this process (Node without reusePort, one
 * core, or `1`), else DnsWorkers. The reason for running fewer than asked is logged once.
 */
export function dnsServerFor(o: DnsServerOptions, setting: WorkerSetting): DnsServer | DnsWorkers {
  const { count, reason } = workerCount(setting);
  if (reason) (o.logger ?? silent).info({ workers: 1 }, `dns: ${reason}`);
  return count > 1 ? new DnsWorkers({ ...o, workers: count }) : new DnsServer(o);
}

/**
 * The index's state as `changes` messages of SNAPSHOT_CHUNK each, in order (the `state` change, last
 * in `changes()`, stays last). One message of the whole table was cloned, deserialized and applied
 * at once: at 10,000 Services a ~10 MB clone whose deserialized arrays outlived the young
 * generation; chunks are freed by scavenges as they are applied (decision 021).
 */
export function snapshotMessages(changes: readonly IndexChange[]): { type: 'changes'; changes: IndexChange[] }[] {
  return inChunks(changes).map((chunk) => ({ type: 'changes', changes: chunk }));
}

/** dnsWorker.js beside this module (dnsWorker.ts when running from source). */
function workerEntry(): URL {
  return new URL(import.meta.url.endsWith('.ts') ? './dnsWorker.ts' : './dnsWorker.js', import.meta.url);
}
