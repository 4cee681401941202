import { batchContract } from './contractBatch.js';
import { objectsContract } from './contractObjects.js';
import { watchContract } from './contractWatch.js';
import { coordinationContract } from './contractCoordination.js';
import { statusContract } from './contractStatus.js';
import type { TestStore } from './helpers.js';
import type { Clock } from '../src/index.js';

export interface StoreOpenOptions {
  historyLimit?: number;
  clock?: Clock;
  nodePortRange?: string;
}

/** What the contract suite needs from an implementation. */
export interface StoreTarget {
  /** A fresh, empty store (its own data: the suite runs tests against it independently). */
  open(options?: StoreOpenOptions): Promise<TestStore>;
  /** Another client of the same data (Redis: a second connection; memory: the same instance). */
  peer(store: TestStore): Promise<TestStore>;
}

/**
 * The one contract every Store passes (MemoryStore, RedisStore): objects and metadata, status
 * (who may set it, how it is validated) and the endpoint address rules of trusted writes,
 * batches (each op decided on its own, split over script calls), list, watch (order, resume,
 * Expired, bookmarks, informer), leases and fencing, allocation, concurrency. Call inside a describe block.
 */
export function storeContract(target: StoreTarget): void {
  objectsContract(target);
  batchContract(target);
  statusContract(target);
  watchContract(target);
  coordinationContract(target);
}
