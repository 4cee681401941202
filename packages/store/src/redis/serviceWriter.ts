import { randomUUID } from 'node:crypto';
import type { KubeObject, Service } from '@svcnet/model';
import { allocationsOf, type Allocations } from '../admission.js';
import { StoreError, alreadyExistsError, conflictError, fencedError, notFoundError } from '../errors.js';
import { keyOfObject, prepareWrite, revisionOf, storeKey, withRevision, type WriteOp } from '../objectWrites.js';
import { planServiceAllocation, planTrusted, type AllocationPlan } from '../serviceAllocation.js';
import type { ApplyResult, DeleteOptions, WriteOptions } from '../types.js';
import { AllocationBook } from './allocationBook.js';
import type { BatchContext } from './batchWriter.js';
import { decodeObject, encodeWithRevisionSlot } from './objectCodec.js';
import { scriptArgs, type OpReply, type ScriptOp } from './writeScript.js';

const NONE: Allocations = { ips: [], nodePorts: [] };

/**
 * Service writes, one object at a time: a Service's ClusterIPs and NodePorts are picked from this
 * client's view of the allocation sets (AllocationBook) and claimed in the write script, which
 * refuses a claim someone else made meanwhile ('taken': reload the view and pick again).
 */
export class ServiceWriter {
  private book: AllocationBook | undefined;

  constructor(private readonly ctx: BatchContext) {}

  private allocationBook(): AllocationBook {
    return (this.book ??= new AllocationBook(this.ctx.redis, this.ctx.keys('Service')));
  }

  private async read(key: string): Promise<Service | undefined> {
    const keys = this.ctx.keys('Service');
    const text = await this.ctx.guard(this.ctx.redis.hget(keys.objs, key));
    return text === null ? undefined : (decodeObject('Service', text, this.ctx.logger, `${keys.objs} ${key}`) as Service | undefined);
  }

  /** One op through the write script (an empty op list: only the durable barrier and WAIT). */
  private async run(op: ScriptOp | undefined, options: WriteOptions, key: string): Promise<OpReply | 'fenced'> {
    const fence = await this.ctx.fence('Service', options);
    if (fence === 'fenced') return 'fenced';
    const keys = this.ctx.keys('Service');
    const [r] = await this.ctx.channel.scripts(keys, [scriptArgs(keys, op ? [op] : [], fence, this.ctx.historyLimit, this.ctx.uidCandidate, this.ctx.channel.durable)]);
    if ('error' in r!) throw r.error instanceof StoreError ? new StoreError(r.error.code, `Service "${key}": ${r.error.message}`) : r.error;
    return r.reply === 'fenced' ? 'fenced' : (r.reply[0] ?? ['ok', '0']);
  }

  /** Durable mode: an answer read from the primary stands only once replicas have what was read. */
  private async confirmed<T>(answer: T, options: WriteOptions, key: string): Promise<T> {
    if (this.ctx.channel.durable && (await this.run(undefined, options, key)) === 'fenced') throw fencedError(options.fence!.lease, options.fence!.token);
    return answer;
  }

  async write(op: WriteOp, object: Service & { kind: 'Service' }, options: WriteOptions = {}): Promise<ApplyResult<Service>> {
    const key = keyOfObject('Service', object);
    const userRV = op === 'apply' ? undefined : object.metadata?.resourceVersion;
    const trusted = options.trusted ?? false;
    const ctx = this.ctx;
    for (let attempt = 0; attempt <= ctx.maxRetries; attempt++) {
      const old = op === 'create' ? undefined : await this.read(key);
      if ((op === 'update' || op === 'updateStatus') && !old) throw await this.confirmed(notFoundError('Service', key), options, key);
      if (userRV && old && userRV !== old.metadata?.resourceVersion) throw conflictError('Service', key);
      const prepared = prepareWrite({ kind: 'Service', op, incoming: object as KubeObject, old, trusted, immutable: options.immutable ?? false, now: ctx.clock.now(), newUid: randomUUID, allocator: ctx.allocator });
      if (prepared.action === 'unchanged') return this.confirmed({ object: old!, action: 'unchanged' }, options, key);
      let plan: AllocationPlan = { service: prepared.object as Service, claim: NONE, release: NONE };
      const book = op !== 'updateStatus' ? this.allocationBook() : undefined;
      if (book) plan = await this.planAllocation(book, prepared.object as Service, old, trusted);
      const next = plan.service;
      book?.claim(plan.claim);
      const { head, tail } = encodeWithRevisionSlot(next, true);
      let reply: OpReply | 'fenced';
      try {
        reply = await this.run({ field: key, mode: old ? 'update' : 'create', expected: old?.metadata?.resourceVersion ?? '', head, tail, type: old ? 'MODIFIED' : 'ADDED', claim: plan.claim, release: plan.release, checkClaims: !trusted }, options, key);
      } catch (e) {
        book?.release(plan.claim);
        throw e;
      }
      if (reply === 'fenced') {
        book?.release(plan.claim);
        throw fencedError(options.fence!.lease, options.fence!.token);
      }
      if (reply[0] === 'ok') {
        book?.release(plan.release);
        const rev = Number(reply[1]);
        const result = withRevision(next, rev);
        if (options.immutable) ctx.recordOwn('Service', rev, result);
        return { object: result, action: old ? 'updated' : 'created' };
      }
      book?.release(plan.claim);
      if (reply[0] === 'exists' && op === 'create') throw alreadyExistsError('Service', key);
      if (reply[0] === 'notfound' && op !== 'apply') throw notFoundError('Service', key);
      if (reply[0] === 'conflict' && userRV) throw conflictError('Service', key);
      if (reply[0] === 'taken') await ctx.guard(book!.reload());
      // Lost a race (another writer, or an allocation taken meanwhile): read again and redo.
    }
    throw new StoreError('Conflict', `Service "${key}": gave up after ${ctx.maxRetries} retries against concurrent writers; try again`);
  }

  private async planAllocation(book: AllocationBook, next: Service, old: Service | undefined, trusted: boolean): Promise<AllocationPlan> {
    await this.ctx.guard(book.ensureLoaded());
    if (trusted) return planTrusted(next, old);
    // Values asked for explicitly may look taken in our view only because another client freed them.
    const held = old ? allocationsOf(old) : NONE;
    const want = allocationsOf(next);
    const wanted: Allocations = {
      ips: want.ips.filter((ip) => !held.ips.includes(ip) && book.ips.has(ip)),
      nodePorts: want.nodePorts.filter((p) => !held.nodePorts.includes(p) && book.nodePorts.has(p)),
    };
    await this.ctx.guard(book.refresh(wanted));
    return planServiceAllocation(next, old, book, this.ctx.allocator);
  }

  async delete(namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<Service> {
    const key = storeKey('Service', namespace, name);
    for (let attempt = 0; attempt <= this.ctx.maxRetries; attempt++) {
      const old = await this.read(key);
      if (!old) throw await this.confirmed(notFoundError('Service', key), options, key);
      if (options.expectedRevision !== undefined && options.expectedRevision !== revisionOf(old)) throw conflictError('Service', key);
      const release = allocationsOf(old);
      const expected = old.metadata?.resourceVersion ?? '';
      const { head, tail } = encodeWithRevisionSlot(old, true);
      const reply = await this.run({ field: key, mode: 'delete', expected, head, tail, type: 'DELETED', claim: NONE, release, checkClaims: false }, options, key);
      if (reply === 'fenced') throw fencedError(options.fence!.lease, options.fence!.token);
      if (reply[0] === 'ok') {
        this.book?.release(release);
        return withRevision(old, Number(reply[1]));
      }
      if (reply[0] === 'notfound') throw notFoundError('Service', key);
      if (reply[0] === 'conflict' && options.expectedRevision !== undefined) throw conflictError('Service', key);
    }
    throw new StoreError('Conflict', `Service "${key}": gave up deleting after ${this.ctx.maxRetries} retries against concurrent writers; try again`);
  }
}
