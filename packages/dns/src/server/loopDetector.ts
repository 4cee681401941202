import { randomBytes } from 'node:crypto';
import { encodeQuestion } from '../wire/question.js';
import { DnsError } from './errors.js';
import type { Forwarder } from './forwarder.js';

interface LoopLogger {
  warn(obj: object, msg: string): void;
}

/**
 * CoreDNS's loop plugin: at start each upstream is sent a name only this server knows
 * (`<nonce>.<i>.svcnet-loop-probe`, HINFO as CoreDNS); seeing that name come back as a query means
 * upstream `i` forwards to us, and it is no longer used. Workers of one server share the nonce (the
 * probe may come back to any of their sockets) and report what they catch to the others.
 */
export class LoopDetector {
  /** Upstreams found to send our own queries back; they are no longer used. */
  readonly loops: string[] = [];
  readonly nonce: string;
  private readonly probes = new Map<string, number>();

  constructor(
    private readonly forwarder: Forwarder | undefined,
    private readonly log: LoopLogger,
    o: { nonce?: string; onLoop?: (upstream: number) => void } = {},
  ) {
    this.nonce = o.nonce ?? randomBytes(8).toString('hex');
    this.onLoop = o.onLoop;
    forwarder?.upstreams.forEach((_, i) => this.probes.set(`${this.nonce}.${i}.svcnet-loop-probe`, i));
  }

  private readonly onLoop: ((upstream: number) => void) | undefined;

  /** Refuses to start when an upstream is this server's own address (a loop before any probe). */
  checkStatic(listenHost: string, port: number): void {
    const any = listenHost === '0.0.0.0' || listenHost === '::';
    for (const up of this.forwarder?.upstreams ?? []) {
      const local = up.host === listenHost || (any && (up.host.startsWith('127.') || up.host === '::1'));
      if (local && up.port === port) {
        throw new DnsError('ForwardLoop', `plugin/loop: upstream ${up.label} is this server's own address: forwarding to it would loop; remove it from upstreams`);
      }
    }
  }

  /** Sends every upstream its probe; settles when each has answered or failed. */
  async probe(): Promise<void> {
    const f = this.forwarder;
    if (!f) return;
    await Promise.all([...this.probes].map(([name, i]) => f.exchange(encodeQuestion(name, 13), i).catch(() => undefined)));
  }

  /** True when `name` (a query to forward) is one of our probes come back: its upstream is marked. */
  caught(name: string): boolean {
    const i = this.probes.get(name);
    if (i === undefined) return false;
    if (this.mark(i)) this.onLoop?.(i);
    return true;
  }

  /** Marks upstream `i` as a loop (once); true when it was not marked before. */
  mark(i: number): boolean {
    const up = this.forwarder?.upstreams[i];
    if (!up || up.loop) return false;
    this.forwarder!.markLoop(i);
    this.loops.push(up.label);
    this.log.warn({ upstream: up.label }, 'plugin/loop: forwarding loop detected: this upstream sends our queries back to us; it is no longer used');
    return true;
  }
}
