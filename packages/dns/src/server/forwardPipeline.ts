import { RCODE } from '../core/records.js';
import { writeError } from '../wire/message.js';
import { encodeQuestion } from '../wire/question.js';
import { PARSE_OK, newParsedQuery, parseQuery, type ParsedQuery } from '../wire/query.js';
import { type CacheOptions, ResponseCache } from './cache.js';
import { Forwarder } from './forwarder.js';
import type { LoopDetector } from './loopDetector.js';

export interface ForwardPipelineOptions {
  upstreams: readonly string[];
  timeoutMs?: number;
  maxInflight?: number;
  cache?: CacheOptions | false;
}

/**
 * Names outside the zone (CoreDNS's cache in front of forward): a cache hit is rendered for the
 * question; identical questions in flight share one upstream query; our own loop probes coming
 * back are caught before anything is sent. Without upstreams every such name is REFUSED.
 */
export class ForwardPipeline {
  readonly forwarder?: Forwarder;
  readonly cache?: ResponseCache;
  private readonly inflight = new Map<string, Promise<Buffer | undefined>>();
  private loops: LoopDetector | undefined;

  constructor(o: ForwardPipelineOptions) {
    if (o.upstreams.length > 0) this.forwarder = new Forwarder({ upstreams: o.upstreams, timeoutMs: o.timeoutMs, maxInflight: o.maxInflight });
    if (o.cache !== false && this.forwarder) this.cache = new ResponseCache(o.cache || {});
  }

  /** The loop detector whose probes `forward` catches. */
  watchLoops(loops: LoopDetector): void {
    this.loops = loops;
  }

  /** Forwards a question outside the zone through the cache; undefined means SERVFAIL. */
  async forward(msg: Buffer, q: ParsedQuery, maxSize: number): Promise<Buffer | undefined> {
    if (this.loops?.caught(q.name)) return undefined;
    if (!this.forwarder) return writeError(msg, q, RCODE.REFUSED);
    const key = `${q.name}|${q.qtype}|${q.qclass}`;
    const cached = q.nameExact ? this.cache?.get(key) : undefined;
    if (cached) return this.cache!.render(cached, msg, q, maxSize);
    let p = this.inflight.get(key);
    if (!p) {
      // Identical questions in flight share one upstream query: this also stops a loop from multiplying.
      p = this.forwarder
        .exchange(Buffer.from(msg.subarray(12, q.questionEnd)))
        .then((r) => r.response, () => undefined)
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    const resp = await p;
    if (!resp) return undefined;
    const cache = this.cache ?? new ResponseCache({ capacity: 0 });
    const entry = cache.parseEntry(resp);
    if (!entry) return writeError(msg, q, resp.readUInt16BE(2) & 0xf);
    if (q.nameExact && this.cache) this.cache.store(key, entry);
    return cache.render(entry, msg, q, maxSize);
  }

  /** An upstream's answer records for an ExternalName target (through the cache). */
  async upstreamAnswer(name: string, qtype: number): Promise<Buffer | undefined> {
    if (!this.forwarder) return undefined;
    const question = encodeQuestion(name, qtype);
    const msg = Buffer.alloc(12 + question.length);
    msg.writeUInt16BE(1, 4);
    question.copy(msg, 12);
    const q = newParsedQuery();
    if (parseQuery(msg, q) !== PARSE_OK) return undefined;
    return this.forward(msg, q, 65535);
  }

  close(): void {
    this.forwarder?.close();
  }
}
