import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import type { RecordIndex } from '../core/recordIndex.js';
import { RCODE } from '../core/records.js';
import { maxUdpSize, optRecord, writeError, writeReplyHeader } from '../wire/message.js';
import { PARSE_DROP, PARSE_OK, newParsedQuery, scanQuery, type ParsedQuery } from '../wire/query.js';
import type { ResponseCache } from './cache.js';
import { chaseAnswer } from './chase.js';
import { ClientAcl, openResolverWarning } from './clientAcl.js';
import { DnsError, parseHostPort } from './errors.js';
import { ForwardPipeline } from './forwardPipeline.js';
import { type Forwarder, resolvConfNameservers } from './forwarder.js';
import { literalLookup } from './literalLookup.js';
import { startHttpEndpoints } from './httpEndpoints.js';
import { LoopDetector } from './loopDetector.js';
import { type DnsMetricCounts, DnsMetrics } from './metrics.js';
import { Responder } from './responder.js';
import { TcpListener } from './tcpListener.js';
import type { FastSend } from './udpFastPath.js';
import { type StartedUdpPath, type UdpPath, startUdpPaths } from './udpPaths.js';
import type { DnsLogger, DnsServerOptions, ListenAddresses } from './dnsServerOptions.js';

export type { DnsLogger, DnsServerOptions, ListenAddresses } from './dnsServerOptions.js';

/** A power of two: one fast-path answer in this many is timed for the duration histogram. */
const TIME_SAMPLE = 16;

const silent: DnsLogger = { info: () => undefined, warn: () => undefined };

type Reply = (b: Buffer) => void;

/**
 * The DNS server: UDP and TCP on one address, the cluster zone from the index, everything else
 * forwarded with a cache (CoreDNS kubernetes + forward + cache + loop + health/ready/prometheus).
 */
export class DnsServer {
  readonly registry: Registry;
  readonly metrics: DnsMetrics;
  readonly cache?: ResponseCache;
  readonly forwarder?: Forwarder;
  /** The client ACL, when `allow` names networks. */
  readonly acl?: ClientAcl;
  readonly loopDetector: LoopDetector;
  /** Settles when every upstream has been probed for a forwarding loop. */
  loopCheck: Promise<void> = Promise.resolve();

  private readonly index: RecordIndex;
  private readonly responder: Responder;
  private readonly q: ParsedQuery = newParsedQuery();
  /** Answers sent by udpQuery from the table, modulo TIME_SAMPLE: at 0 the next one is timed. */
  private udpAnswered = 0;
  private readonly listen: { host: string; port: number };
  private readonly log: DnsLogger;
  private readonly pipeline: ForwardPipeline;
  private udp?: dgram.Socket;
  private tcp?: TcpListener;
  private httpServer?: http.Server;
  private addrs?: ListenAddresses;
  private udpStarted: StartedUdpPath = { path: 'dgram' };

  constructor(private readonly o: DnsServerOptions) {
    this.index = o.index;
    this.responder = new Responder(o.index);
    this.listen = parseHostPort(o.listen ?? '127.0.0.1:53', 53, 'listen');
    this.log = o.logger ?? silent;
    const upstreams = o.upstreams ?? resolvConfNameservers(readResolvConf());
    if (o.allow?.length) this.acl = new ClientAcl(o.allow);
    this.pipeline = new ForwardPipeline({ upstreams, timeoutMs: o.upstreamTimeoutMs, maxInflight: o.maxInflight, cache: o.cache });
    this.forwarder = this.pipeline.forwarder;
    this.cache = this.pipeline.cache;
    const ld = o.loopDetection;
    this.loopDetector = new LoopDetector(this.forwarder, this.log, ld ? { nonce: ld.nonce, onLoop: (i) => ld.onLoop(i) } : {});
    this.pipeline.watchLoops(this.loopDetector);
    this.registry = o.registry ?? new Registry();
    this.metrics = new DnsMetrics(this.registry, o.metricsPrefix ?? 'svcnet', () => ({ cache: this.cache, forwarder: this.forwarder, acl: this.acl !== undefined }));
  }

  /** Upstreams found to send our own queries back (loop detection); they are no longer used. */
  get loops(): readonly string[] {
    return this.loopDetector.loops;
  }

  /** This server's counters as plain data (a DNS worker's report to its parent). */
  metricCounts(): DnsMetricCounts {
    return this.metrics.counts({ cache: this.cache, forwarder: this.forwarder });
  }

  /**
   * How UDP queries are read and answered: `native-batch` (recvmmsg/sendmmsg, decision 017),
   * `fast-path` (Node's handle per datagram, decision 009) or `dgram` (the public API).
   */
  get udpPath(): UdpPath {
    return this.udpStarted.path;
  }

  /** UDP queries read through native batches (not counting the one per wake-up libuv reads). */
  get udpBatched(): number {
    return this.udpStarted.batch?.received ?? 0;
  }

  get addresses(): ListenAddresses {
    if (!this.addrs) throw new DnsError('BadListen', 'plugin/bind: the server is not started');
    return this.addrs;
  }

  async start(): Promise<ListenAddresses> {
    let udp: dgram.Socket;
    let tcpAddr: { address: string; port: number };
    // Port 0: the kernel picks a free UDP port, and TCP takes the same number; if another program
    // holds that TCP port, try another pair (a few times) rather than fail.
    for (let attempt = 1; ; attempt++) {
      udp = await this.bindUdp();
      this.tcp = new TcpListener({
        idleTimeoutMs: this.o.tcpIdleTimeoutMs ?? 10000,
        maxConnections: this.o.maxTcpConnections ?? 1000,
        onMessage: (m, v6, reply, remote) => {
          const out = this.handle(m, true, v6, reply, this.refuses(remote));
          if (out) reply(out);
        },
      });
      try {
        tcpAddr = await this.tcp.listen(this.listen.host, udp.address().port, this.o.reusePort === true);
        break;
      } catch (e) {
        await new Promise<void>((r) => udp.close(() => r()));
        if (this.listen.port !== 0 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 10) throw e;
      }
    }
    this.udp = udp;
    try {
      this.udpStarted = this.startUdpPaths(udp);
    } catch (e) {
      await this.stop();
      throw e;
    }
    const port = udp.address().port;
    this.addrs = { udp: { address: this.listen.host, port }, tcp: tcpAddr };
    if (this.o.httpListen) {
      const h = await startHttpEndpoints(parseHostPort(this.o.httpListen, 8080, 'listen'), this.registry, () => this.index.synced);
      this.httpServer = h.server;
      this.addrs.http = { address: h.address, port: h.port };
    }
    this.loopDetector.checkStatic(this.listen.host, port);
    if (this.o.loopDetection?.sendProbes !== false) this.loopCheck = this.loopDetector.probe();
    this.log.info({ listen: `${this.listen.host}:${port}`, udp: this.udpStarted.path, upstreams: this.forwarder?.upstreams.map((u) => u.label) ?? [], allow: this.acl?.networks ?? 'any' }, 'dns server started');
    const open = openResolverWarning(this.listen.host, this.forwarder !== undefined, this.acl, this.o.allowSetting ?? 'allow');
    if (open) this.log.warn({ listen: `${this.listen.host}:${port}` }, open);
    return this.addrs;
  }

  private startUdpPaths(udp: dgram.Socket): StartedUdpPath {
    return startUdpPaths(udp, {
      fastPath: this.o.udpFastPath !== false,
      native: this.o.udpNative,
      log: this.log,
      onPacket: (m, r, send) => this.udpQuery(m, r, send, true),
      onBatchPacket: (m, r, send) => this.udpQuery(m, r, send, false),
    });
  }

  private async bindUdp(): Promise<dgram.Socket> {
    const family = net.isIPv6(this.listen.host) ? 'udp6' : 'udp4';
    // reusePort is Node 22.12+ (@types/node 20 does not know it); Node 20 ignores the option.
    const udp = dgram.createSocket({ type: family, lookup: literalLookup, ...(this.o.reusePort ? { reusePort: true } : {}) } as dgram.SocketOptions);
    // One handler for every datagram: no closure per query unless the answer has to wait
    // (forwarding). With udpFastPath the handle's own callback replaces it.
    udp.on('message', (m, r) => {
      const out = this.handle(m, false, r.family === 'IPv6', r, this.refuses(r.address));
      if (out) udp.send(out, r.port, r.address);
    });
    udp.on('error', (e) => this.log.warn({ err: e.message }, 'dns udp socket error'));
    await new Promise<void>((res, rej) => {
      udp.once('error', rej);
      udp.bind(this.listen.port, this.listen.host, () => {
        udp.off('error', rej);
        res();
      });
    });
    return udp;
  }

  async stop(): Promise<void> {
    this.pipeline.close();
    await new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r()));
    await this.tcp?.close();
    await new Promise<void>((r) => (this.httpServer ? this.httpServer.close(() => r()) : r()));
    this.httpServer?.closeAllConnections();
    this.udp = undefined;
  }

  /**
   * One query in, at most one reply out: returned when it is ready at once, else sent later to
   * `from` (a TCP reply function, or the UDP sender's address). Never throws (a bug in one query
   * must not stop the server).
   */
  private handle(msg: Buffer, tcp: boolean, v6: boolean, from: Reply | dgram.RemoteInfo, refused: boolean): Buffer | undefined {
    const t0 = performance.now();
    // The scan allocates and throws nothing; the name's string is made only when the answer table misses.
    return this.handleScanned(msg, scanQuery(msg, this.q), tcp, v6, from, t0, refused);
  }

  /** True when the ACL turns this client away (a string compare for a repeat client: see ClientAcl). */
  private refuses(address: string): boolean {
    return this.acl !== undefined && !this.acl.allows(address);
  }

  /**
   * The UDP hot path (with udpFastPath): a question whose answer is compiled and current is
   * answered by writing the reply's header over the query's and sending that buffer, the shared
   * compiled sections and the OPT record in one gathered datagram: no reply buffer is made or
   * copied. Anything else takes `handleScanned` as over TCP. `owned`: false when `msg` is a slot
   * of the native batch, reused once this returns, so a query answered later gets a copy.
   */
  private udpQuery(msg: Buffer, r: dgram.RemoteInfo, send: FastSend, owned: boolean): void {
    // This runs from the UDP handle's onmessage, called from C++: a throw here would be an
    // uncaught exception and end the process. So any error takes the slow path's log-and-SERVFAIL,
    // unless the reply had already gone (then a second one would only confuse the client).
    let sent = false;
    try {
      // One answer in TIME_SAMPLE is timed; the others count with the last timed duration (see
      // DnsMetrics.responseAsLast). Questions that miss the table are always timed.
      let timed = this.udpAnswered === 0;
      let t0 = timed ? performance.now() : 0;
      const q = this.q;
      const rc = scanQuery(msg, q);
      const v6 = r.family === 'IPv6';
      // (r.address is read only with an ACL: in a native batch it is a string made on demand.)
      const refused = this.acl !== undefined && this.refuses(r.address);
      // BADVERS and forwarded names need the general path; so does an answer not compiled yet, and
      // a client outside the ACL.
      const c = rc === PARSE_OK && !refused && (!q.edns || q.ednsVersion === 0) ? this.responder.cached(q) : undefined;
      if (c === undefined) {
        const out = this.handleScanned(owned ? msg : Buffer.from(msg), rc, false, v6, r, timed ? t0 : performance.now(), refused);
        sent = true;
        if (out) send(r.port, r.address, out);
        return;
      }
      // The first table answer of each type is timed too, so its untimed ones have a real
      // duration to count with (the clock starts after the scan here: a few hundred ns short).
      if (!timed && this.metrics.needsSample(q.qtype)) {
        timed = true;
        t0 = performance.now();
      }
      this.udpAnswered = (this.udpAnswered + 1) & (TIME_SAMPLE - 1);
      this.metrics.request(false, v6, q.qtype);
      const qEnd = q.questionEnd;
      const kept = writeReplyHeader(msg, q, c, maxUdpSize(q), true);
      // Usually the query is exactly header and question; with EDNS its OPT follows and is cut off.
      const head = msg.length === qEnd ? msg : msg.subarray(0, qEnd);
      const tail = kept === c.tail.length ? c.tail : kept === 0 ? undefined : c.tail.subarray(0, kept);
      sent = true;
      if (!q.edns) send(r.port, r.address, head, tail);
      else if (!tail) send(r.port, r.address, head, optRecord(q, c.rcode));
      else send(r.port, r.address, head, tail, optRecord(q, c.rcode));
      if (timed) this.metrics.responseSampled(c.rcode & 0xf, q.qtype, (performance.now() - t0) / 1000);
      else this.metrics.responseAsLast(c.rcode & 0xf, q.qtype);
    } catch (e) {
      const out = this.failed(e, msg);
      if (out && !sent) {
        try {
          send(r.port, r.address, this.done(out, this.q.qtype, performance.now()));
        } catch {
          // the send itself throwing again: nothing more to do for this query, the server goes on
        }
      }
    }
  }

  /** A query that threw: logged, and a SERVFAIL without the question (which may be the broken part). */
  private failed(e: unknown, msg: Buffer): Buffer | undefined {
    this.log.warn({ err: (e as Error)?.message ?? String(e) }, 'dns query failed');
    return msg.length >= 12 ? writeError(msg, { ...this.q, questionEnd: 0 }, RCODE.SERVFAIL) : undefined;
  }

  /**
   * `handle` after `scanQuery(msg, this.q)` returned `rc`. `refused`: the client is outside the ACL,
   * so a well-formed query gets REFUSED (malformed ones get what they get from anyone: FORMERR or
   * nothing, which tells nothing about the zone).
   */
  private handleScanned(msg: Buffer, rc: number, tcp: boolean, v6: boolean, from: Reply | dgram.RemoteInfo, t0: number, refused: boolean): Buffer | undefined {
    const q = this.q;
    let out: Buffer | undefined;
    try {
      if (rc === PARSE_DROP) {
        this.metrics.dropped++;
        return undefined;
      }
      if (rc !== PARSE_OK) {
        out = writeError(msg, q, rc);
      } else {
        this.metrics.request(tcp, v6, q.qtype);
        if (refused) {
          this.metrics.aclBlocked++;
          out = writeError(msg, q, RCODE.REFUSED);
          out[3]! &= ~0x80; // RA clear: no recursion for this client (CoreDNS acl's SetRcode leaves it unset)
        } else if (q.edns && q.ednsVersion !== 0) out = writeError(msg, q, 16); // BADVERS (RFC 6891 6.1.3)
        else {
          const maxSize = tcp ? 65535 : maxUdpSize(q);
          const local = this.responder.answer(msg, q, maxSize);
          if (Buffer.isBuffer(local)) out = local;
          else {
            const qc = { ...q };
            const reply = typeof from === 'function' ? from : this.udpReply(from);
            const p = local ? chaseAnswer(msg, qc, local, maxSize, (name, qtype) => this.pipeline.upstreamAnswer(name, qtype)) : this.pipeline.forward(msg, qc, maxSize);
            p.then(
              (b) => reply(this.done(b ?? writeError(msg, qc, RCODE.SERVFAIL), qc.qtype, t0)),
              () => reply(this.done(writeError(msg, qc, RCODE.SERVFAIL), qc.qtype, t0)),
            );
            return undefined;
          }
        }
      }
    } catch (e) {
      out = this.failed(e, msg);
    }
    return out ? this.done(out, q.qtype, t0) : undefined;
  }

  private udpReply(to: dgram.RemoteInfo): Reply {
    const { port, address } = to;
    return (b) => this.udp?.send(b, port, address);
  }

  /** Counts a reply on its way out. */
  private done(b: Buffer, qtype: number, t0: number): Buffer {
    this.metrics.response(b[3]! & 0xf, qtype, (performance.now() - t0) / 1000);
    return b;
  }
}

function readResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}
