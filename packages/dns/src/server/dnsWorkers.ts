import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { inChunks, joinHostPort, kernelThreadId, WorkerPool, type WorkerSetting, workerCount } from '@svcnet/model';
import { Registry } from 'prom-client';
import type { RecordIndexOptions } from '../core/options.js';
import type { IndexChange, RecordIndex } from '../core/recordIndex.js';
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
  /** Upstreams already found looping when the worker starts (a replacement's), by index. */
  loops: number[];
}

export interface DnsWorkerReady {
  port: number;
  /** The server's kernel thread id (Linux), for per-server CPU in the bench. */
  tid?: number;
  /** How the server reads UDP (DnsServer.udpPath). */
  udpPath?: UdpPath;
}

/** DnsServer's options plus how many servers in all: this thread's and `workers - 1` worker threads. */
export interface DnsWorkersOptions extends DnsServerOptions {
  workers: number;
}

const silent: DnsLogger = { info: () => undefined, warn: () => undefined };

/**
 * N DNS servers on one address, each with its own SO_REUSEPORT UDP and TCP sockets, so the kernel
 * spreads clients over N cores (knot's udp-workers, CoreDNS's reuseport). One of them is `main`, in
 * this thread, answering from the parent's own RecordIndex (the one the store watch fills): it
 * binds first (port 0 becomes a real port that the others bind). The other N - 1 run in worker
 * threads, each with a replica of what answering needs (names, PTRs, Pod addresses: no Service,
 * EndpointSlice or Pod objects), brought up to date with `index.changes()` when it starts and then
 * sent every change as the parent applies it (batched per tick). This thread also serves /health,
 * /ready and /metrics (every server's counters summed at scrape time) and replaces a worker that
 * dies. See docs/decisions/015, 021 and 022 (why this thread serves: an isolate costs ~40 MB).
 */
export class DnsWorkers {
  readonly pool: WorkerPool<DnsWorkerReady>;
  /** The server in this thread, on the parent's index (one of the N). */
  readonly main: DnsServer;
  readonly registry: Registry;
  private readonly metrics: DnsMetrics;
  private readonly index: RecordIndex;
  private readonly log: DnsLogger;
  private queued: IndexChange[] = [];
  private ready: DnsWorkerReady[] = [];
  private httpServer?: http.Server;
  private refreshing?: Promise<DnsMetricCounts[]>;
  private addrs?: ListenAddresses;

  constructor(private readonly o: DnsWorkersOptions) {
    this.index = o.index;
    this.log = o.logger ?? silent;
    this.registry = o.registry ?? new Registry();
    const { index: _index, registry: _registry, logger: _logger, httpListen: _http, metricsPrefix: _prefix, workers: _workers, ...server } = o;
    const nonce = randomBytes(8).toString('hex');
    // Settings are checked here by the main server's constructor (listen, allow), not first in a
    // worker thread. Its counters go to a registry of its own: the parent's gets the sums.
    // It sends the loop probes (once: a probe may come back to any server); a loop it catches is
    // told to every worker, and one a worker catches is marked here and told to the others
    // (CoreDNS's loop plugin stops the one server; ours share the upstreams, so all stop using it).
    this.main = new DnsServer({
      ...server,
      index: o.index,
      registry: new Registry(),
      logger: this.log,
      reusePort: true,
      loopDetection: { nonce, sendProbes: true, onLoop: (upstream) => this.pool.broadcast({ type: 'loop', upstream }) },
    });
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
        this.counts().then((all) => {
          // A replaced worker's counts are gone with it: the sum drops, which Prometheus's
          // rate() reads as a counter reset (as a restarted CoreDNS's would be).
          sources = all;
          this.metrics.load(sources);
        }),
    );
    const indexOptions: RecordIndexOptions = { ...o.index.options, namespaces: [...o.index.options.namespaces] };
    this.pool = new WorkerPool<DnsWorkerReady>({
      name: 'dns',
      entry: workerEntry(),
      count: o.workers - 1,
      log: this.log,
      workerData: (_slot, first): DnsWorkerData => ({
        indexOptions,
        server,
        // `first` is the main server's ready info: every worker binds the port it got.
        listen: first ? joinHostPort(parseHostPort(o.listen ?? '127.0.0.1:53', 53, 'listen').host, first.port) : (o.listen ?? '127.0.0.1:53'),
        loopNonce: nonce,
        loops: this.main.forwarder?.upstreams.flatMap((u, i) => (u.loop ? [i] : [])) ?? [],
      }),
      snapshot: () => snapshotMessages(this.index.changes()),
      onEvent: (slot, data) => {
        const upstream = (data as { loop?: number }).loop;
        if (upstream === undefined) return;
        this.main.loopDetector.mark(upstream);
        this.pool.broadcast({ type: 'loop', upstream }, slot);
      },
    });
  }

  /** Upstreams a server found looping back to us (the main server marks every one); no server uses them. */
  get loops(): readonly string[] {
    return this.main.loops;
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
    // The main server binds first: with port 0 it gets the real port, which the workers then bind.
    const own = await this.main.start();
    const mine: DnsWorkerReady = { port: own.udp.port, tid: kernelThreadId(), udpPath: this.main.udpPath };
    try {
      this.ready = [mine, ...(await this.pool.start(mine))];
    } catch (e) {
      this.index.onChange = undefined;
      await this.main.stop();
      throw e;
    }
    const host = own.udp.address;
    const port = own.udp.port;
    this.addrs = { udp: { address: host, port }, tcp: own.tcp };
    if (this.o.httpListen) {
      const h = await startHttpEndpoints(parseHostPort(this.o.httpListen, 8080, 'listen'), this.registry, () => this.index.synced);
      this.httpServer = h.server;
      this.addrs.http = { address: h.address, port: h.port };
    }
    this.log.info({ listen: joinHostPort(host, port), servers: this.o.workers, workerThreads: this.o.workers - 1 }, 'dns workers started');
    return this.addrs;
  }

  /** How each server reads UDP: this thread's first, then the workers' in slot order (DnsServer.udpPath of each). */
  get udpPaths(): (UdpPath | undefined)[] {
    return this.ready.map((r) => r.udpPath);
  }

  /** Kernel thread ids of the servers (Linux): this thread's first, then the workers' that reported one. */
  get threadIds(): number[] {
    return this.ready.map((r) => r.tid).filter((t): t is number => t !== undefined);
  }

  /**
   * Every serving server's counters: this thread's first, then the ready workers' (a busy or dying
   * worker is left out). One request at a time: scrapes that overlap share it.
   */
  counts(): Promise<DnsMetricCounts[]> {
    return (this.refreshing ??= this.pool
      .ask({ type: 'metrics' })
      .then((all) => [this.main.metricCounts(), ...(all.filter(Boolean) as DnsMetricCounts[])])
      .finally(() => (this.refreshing = undefined)));
  }

  async stop(): Promise<void> {
    this.index.onChange = undefined;
    await this.pool.stop();
    await this.main.stop();
    await new Promise<void>((r) => (this.httpServer ? this.httpServer.close(() => r()) : r()));
    this.httpServer?.closeAllConnections();
  }

  private flush(): void {
    const changes = this.queued;
    this.queued = [];
    this.pool.broadcast({ type: 'changes', changes });
  }
}

/**
 * The DNS server for `o` with `setting` servers: one in this process (Node without reusePort, one
 * core, or `1`), else DnsWorkers (this thread's server and N - 1 worker threads). The reason for
 * running fewer than asked is logged once.
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
